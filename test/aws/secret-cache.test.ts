/**
 * How often the status function reads its secrets from Secrets Manager
 * (moto): once per secret per container per five minutes, shared by
 * concurrent requests, so a revoked caller loses access within five
 * minutes. Five minutes pass at once on a movable clock.
 */
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from 'vitest';
import type { HttpResult } from '../../lib/http.ts';
import { type MovableClock, movableClock } from '../helpers/clock.ts';
import { lambdaContext } from '../helpers/events.ts';
import type { HandlerHarness } from '../helpers/handler-harness.ts';
import {
  connectMoto,
  createSecret,
  type Moto,
  putSecretValue,
  secretReads,
  type TestSecret,
} from '../helpers/moto.ts';
import {
  APP_KEY,
  callersSecret,
  OPERATOR_TOKEN,
  READER_TOKEN,
  TEST_CALLERS,
} from '../helpers/secrets.ts';
import { listJobsEvent, startMotoHarness } from './fixtures.ts';

const FIVE_MINUTES_MS = 5 * 60 * 1000;

describe('the secrets cache of the status function', () => {
  let moto: Moto;
  let harness: HandlerHarness;
  let clock: MovableClock;
  let celonisSecret: TestSecret;
  let callers: TestSecret;
  let listJobs: (token?: string) => Promise<HttpResult>;

  beforeAll(async () => {
    moto = await connectMoto();
    harness = await startMotoHarness({
      emulator: { appKeys: [APP_KEY] },
      env: { LOG_LEVEL: 'WARN' },
    });
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(async () => {
    harness.reset();
    // Before the cold start: the cache keeps the clock it finds.
    clock = movableClock();
    celonisSecret = await createSecret(moto, 'celonis', APP_KEY);
    callers = await createSecret(moto, 'callers', callersSecret());
    const handler = await harness.load('status', {
      CELONIS_SECRET_ID: celonisSecret.arn,
      CALLERS_SECRET_ID: callers.name,
    });
    listJobs = (token = READER_TOKEN) =>
      handler(listJobsEvent(token), lambdaContext());
  });

  afterEach(() => {
    clock.restore();
  });

  it('reads each secret once for many requests within five minutes, concurrent ones included', async () => {
    // Prepare
    const concurrent = Array.from({ length: 8 }, () => listJobs());

    // Act
    const answers = [...(await Promise.all(concurrent))];
    for (let minute = 1; minute <= 4; minute++) {
      clock.advance(60_000);
      answers.push(await listJobs(), await listJobs(OPERATOR_TOKEN));
    }
    // 4 min 59 s after the first read.
    clock.advance(59_000);
    answers.push(await listJobs());

    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual(
      answers.map(() => 200),
    );
    expect(await secretReads(moto, celonisSecret)).toBe(1);
    expect(await secretReads(moto, callers)).toBe(1);
  });

  it('reads each secret again once five minutes have passed', async () => {
    // Prepare
    expect((await listJobs()).statusCode).toBe(200);
    clock.advance(FIVE_MINUTES_MS);

    // Act
    const answers = await Promise.all([listJobs(), listJobs(), listJobs()]);

    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(await secretReads(moto, celonisSecret)).toBe(2);
    expect(await secretReads(moto, callers)).toBe(2);
  });

  it('answers 401 to a caller removed from the callers secret once the cached list is five minutes old', async () => {
    // Prepare
    expect((await listJobs(READER_TOKEN)).statusCode).toBe(200);
    const remaining = TEST_CALLERS.filter(
      (caller) => caller.name !== 'dashboard',
    );
    await putSecretValue(moto, callers, callersSecret(remaining));
    clock.advance(FIVE_MINUTES_MS - 1_000);
    const beforeExpiry = await listJobs(READER_TOKEN);
    clock.advance(1_000);

    // Act
    const revoked = await listJobs(READER_TOKEN);
    const kept = await listJobs(OPERATOR_TOKEN);

    // Assess
    expect(beforeExpiry.statusCode).toBe(200);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'www-authenticate': 'Bearer',
    });
    expect(JSON.parse(revoked.body)).toMatchObject({
      status: 401,
      detail: 'The bearer token is not valid.',
    });
    expect(kept.statusCode).toBe(200);
    expect(await secretReads(moto, callers)).toBe(2);
  });

  it('answers 200 to a caller added to the callers secret once the cached list is five minutes old', async () => {
    // Prepare
    const withoutDashboard = TEST_CALLERS.filter(
      (caller) => caller.name !== 'dashboard',
    );
    await putSecretValue(moto, callers, callersSecret(withoutDashboard));
    expect((await listJobs(READER_TOKEN)).statusCode).toBe(401);
    await putSecretValue(moto, callers, callersSecret());
    clock.advance(FIVE_MINUTES_MS);

    // Act
    const answer = await listJobs(READER_TOKEN);

    // Assess
    expect(answer.statusCode).toBe(200);
  });
});
