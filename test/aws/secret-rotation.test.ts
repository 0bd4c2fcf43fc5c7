/**
 * Rotated Celonis credentials heal without a redeploy: after a rotation in
 * Secrets Manager (moto) and Celonis (the emulator), the first request
 * that Celonis refuses causes exactly one more GetSecretValue, and the
 * request still succeeds.
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
import type { CelonisEmulator, Credentials } from '../../emulator/celonis.ts';
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
  API_KEY,
  APP_KEY,
  callersSecret,
  LEAK_MARKER,
  OAUTH_CLIENT,
  READER_TOKEN,
  ROTATED_APP_KEY,
} from '../helpers/secrets.ts';
import { listJobsEvent, startMotoHarness } from './fixtures.ts';

const ROTATED_API_KEY = `api-key-${LEAK_MARKER}-2`;
const ROTATED_CLIENT_SECRET = `client-secret-${LEAK_MARKER}-2`;
const nothingAccepted = { appKeys: [], apiKeys: [], oauthClients: [] };

describe('rotation of the Celonis credentials', () => {
  let moto: Moto;
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let callers: TestSecret;
  let clock: MovableClock;

  beforeAll(async () => {
    moto = await connectMoto();
    harness = await startMotoHarness({ env: { LOG_LEVEL: 'ERROR' } });
    emulator = harness.emulator;
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(() => {
    harness.reset();
    clock = movableClock();
  });

  afterEach(() => {
    clock.restore();
  });

  async function coldStart(celonisSecret: TestSecret) {
    callers = await createSecret(moto, 'callers', callersSecret());
    const handler = await harness.load('status', {
      CELONIS_SECRET_ID: celonisSecret.arn,
      CALLERS_SECRET_ID: callers.arn,
    });

    return () => handler(listJobsEvent(READER_TOKEN), lambdaContext());
  }

  async function rotate(
    celonisSecret: TestSecret,
    secret: string,
    accepted: Credentials,
  ): Promise<void> {
    await putSecretValue(moto, celonisSecret, secret);
    emulator.setCredentials({ ...nothingAccepted, ...accepted });
    emulator.clearRequests();
  }

  function answeredStatuses(route: string): number[] {
    return emulator
      .requests()
      .filter((entry) => entry.route === route)
      .map((entry) => entry.status);
  }

  it.each([
    {
      kind: 'application key',
      before: APP_KEY,
      after: ROTATED_APP_KEY,
      acceptedBefore: { appKeys: [APP_KEY] },
      acceptedAfter: { appKeys: [ROTATED_APP_KEY] },
    },
    {
      kind: 'API key',
      before: JSON.stringify({ apiKey: API_KEY }),
      after: JSON.stringify({ apiKey: ROTATED_API_KEY }),
      acceptedBefore: { apiKeys: [API_KEY] },
      acceptedAfter: { apiKeys: [ROTATED_API_KEY] },
    },
  ])(
    'answers 200 after an $kind rotation, with exactly one more GetSecretValue',
    async ({ before, after, acceptedBefore, acceptedAfter }) => {
      // Prepare
      emulator.setCredentials({ ...nothingAccepted, ...acceptedBefore });
      const celonisSecret = await createSecret(moto, 'celonis', before);
      const listJobs = await coldStart(celonisSecret);
      expect((await listJobs()).statusCode).toBe(200);
      await rotate(celonisSecret, after, acceptedAfter);

      // Act
      const answer = await listJobs();

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(await secretReads(moto, celonisSecret)).toBe(2);
      expect(await secretReads(moto, callers)).toBe(1);
      // Both concurrent calls of the list were refused, then retried once.
      expect(answeredStatuses('jobs')).toEqual([401, 200]);
      expect(answeredStatuses('status')).toEqual([401, 200]);
    },
  );

  it('answers 200 after the OAuth client secret was rotated and the token expired, with exactly one more GetSecretValue', async () => {
    // Prepare
    emulator.setCredentials({
      ...nothingAccepted,
      oauthClients: [{ ...OAUTH_CLIENT, tokenTtlSeconds: 120 }],
    });
    const celonisSecret = await createSecret(
      moto,
      'celonis-oauth',
      JSON.stringify(OAUTH_CLIENT),
    );
    const listJobs = await coldStart(celonisSecret);
    expect((await listJobs()).statusCode).toBe(200);
    const rotatedClient = {
      clientId: OAUTH_CLIENT.clientId,
      clientSecret: ROTATED_CLIENT_SECRET,
    };
    await rotate(celonisSecret, JSON.stringify(rotatedClient), {
      oauthClients: [rotatedClient],
    });
    // The token of the old secret stays valid until it expires.
    clock.advance(121_000);

    // Act
    const answer = await listJobs();

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(await secretReads(moto, celonisSecret)).toBe(2);
    expect(answeredStatuses('token')).toEqual([401, 200]);
    expect(answeredStatuses('jobs')).toEqual([200]);
    expect(answeredStatuses('status')).toEqual([200]);
  });

  it('answers 200 after the OAuth client was replaced and its tokens revoked, with exactly one more GetSecretValue', async () => {
    // Prepare
    emulator.setCredentials({
      ...nothingAccepted,
      oauthClients: [OAUTH_CLIENT],
    });
    const celonisSecret = await createSecret(
      moto,
      'celonis-oauth',
      JSON.stringify(OAUTH_CLIENT),
    );
    const listJobs = await coldStart(celonisSecret);
    expect((await listJobs()).statusCode).toBe(200);
    const newClient = {
      clientId: 'job-control-client-2',
      clientSecret: ROTATED_CLIENT_SECRET,
    };
    await rotate(celonisSecret, JSON.stringify(newClient), {
      oauthClients: [newClient],
    });

    // Act
    const answer = await listJobs();

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(await secretReads(moto, celonisSecret)).toBe(2);
    expect(answeredStatuses('jobs')).toEqual([401, 200]);
    expect(answeredStatuses('status')).toEqual([401, 200]);
    expect(answeredStatuses('token')).toEqual([200]);
  });

  it('answers 502 when Celonis still refuses the credentials after reading them again', async () => {
    // Prepare
    emulator.setCredentials({ ...nothingAccepted, appKeys: [APP_KEY] });
    const celonisSecret = await createSecret(moto, 'celonis', APP_KEY);
    const listJobs = await coldStart(celonisSecret);
    expect((await listJobs()).statusCode).toBe(200);
    emulator.setCredentials({ ...nothingAccepted, appKeys: [ROTATED_APP_KEY] });

    // Act
    const answer = await listJobs();

    // Assess
    expect(answer.statusCode).toBe(502);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toEqual({
      type: 'urn:celonis-job-control:problem:celonis-error',
      title: 'Celonis error',
      status: 502,
      detail:
        "Celonis rejected the service's own credentials (HTTP 401). Check the Celonis credentials secret and the key's permissions on the pool.",
    });
    expect(answer.body).not.toContain(LEAK_MARKER);
  });

  // The list route calls Celonis twice at once; both calls are refused, and
  // the value read again is the refused one. One re-read is still enough.
  it('reads the secret only once more when Celonis refuses a key the secret still holds', async () => {
    // Prepare
    emulator.setCredentials({ ...nothingAccepted, appKeys: [APP_KEY] });
    const celonisSecret = await createSecret(moto, 'celonis', APP_KEY);
    const listJobs = await coldStart(celonisSecret);
    expect((await listJobs()).statusCode).toBe(200);
    emulator.setCredentials({ ...nothingAccepted, appKeys: [ROTATED_APP_KEY] });

    // Act
    await listJobs();

    // Assess
    expect(await secretReads(moto, celonisSecret)).toBe(2);
  });
});
