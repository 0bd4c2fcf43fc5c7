/**
 * The autoCancel summary, published by the real SNS client to a topic in
 * moto: one message per run, subject and body as `lib/notify.ts` formats
 * them. Celonis is the in-process emulator, the Celonis key a secret in
 * moto.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CelonisEmulator } from '../../emulator/celonis.ts';
import type { AutoCancelResult } from '../../lib/auto-cancel.ts';
import type { CancelSummary } from '../../lib/cancel.ts';
import { formatNotification } from '../../lib/notify.ts';
import { lambdaContext } from '../helpers/events.ts';
import type { HandlerHarness } from '../helpers/handler-harness.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import {
  connectMoto,
  createSecret,
  createTopic,
  type Moto,
  type SentNotification,
  sentNotifications,
  type TestSecret,
} from '../helpers/moto.ts';
import { APP_KEY } from '../helpers/secrets.ts';
import { JOB_IDS, POOL_ID, startMotoHarness } from './fixtures.ts';

const REASON = 'nightly SAP shutdown';
const STUBBORN_JOB_ID = '5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a9b';

/** What autoCancel resolves to, as the README describes it. */
interface RunResult {
  dryRun: boolean;
  results: AutoCancelResult[];
  summary: CancelSummary;
}

describe('the autoCancel summary on SNS', () => {
  let moto: Moto;
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let celonisSecret: TestSecret;

  beforeAll(async () => {
    moto = await connectMoto();
    harness = await startMotoHarness({
      emulator: { appKeys: [APP_KEY], cancelDelayMs: 200 },
      env: { AUTO_CANCEL_POOLS: 'demo', LOG_LEVEL: 'WARN' },
    });
    emulator = harness.emulator;
    celonisSecret = await createSecret(moto, 'celonis', APP_KEY);
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(() => {
    harness.reset();
  });

  function coldStart(topicArn: string) {
    return harness.load('autoCancel', {
      CELONIS_SECRET_ID: celonisSecret.arn,
      NOTIFY_TOPIC_ARN: topicArn,
    });
  }

  /** The text `lib/notify.ts` makes of the run, at the time it started. */
  function expectedText(
    run: RunResult,
    sent: SentNotification,
    options: { ok: boolean; reason?: string },
  ) {
    // The one value the handler does not return: when the run started.
    const startedAt = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/.exec(
      sent.message,
    )?.[0];
    expect(Date.parse(startedAt ?? '')).not.toBeNaN();

    return formatNotification({
      dryRun: run.dryRun,
      results: run.results,
      summary: run.summary,
      poolErrors: [],
      pools: ['demo'],
      reason: options.reason,
      startedAt: startedAt ?? '',
      ok: options.ok,
    });
  }

  it('publishes exactly one message per run, with the subject and body of lib/notify.ts', async () => {
    // Prepare
    const topicArn = await createTopic(moto, 'auto-cancel');
    const handler = await coldStart(topicArn);
    const event = {
      excludeJobIds: [JOB_IDS.extractVendors],
      waitSeconds: 10,
      reason: REASON,
    };

    // Act
    const run = (await handler(event, lambdaContext(60_000))) as RunResult;

    // Assess
    expect(run.summary).toEqual({ cancelled: 2, excluded: 1 });
    const sent = await sentNotifications(moto, topicArn);
    expect(sent).toHaveLength(1);
    const [message] = sent as [SentNotification];
    const expected = expectedText(run, message, { ok: true, reason: REASON });
    expect(message).toEqual({
      messageId: expect.any(String),
      subject: expected.subject,
      message: expected.message,
    });
    for (const part of ['ok', 'demo', '2 cancelled', '1 excluded']) {
      expect(message.subject).toContain(part);
    }
    for (const part of ['extract orders', JOB_IDS.extractOrders, REASON]) {
      expect(message.message).toContain(part);
    }
    expect(emulator.requests().map((entry) => entry.route)).not.toContain(
      'sns',
    );
  });

  it('publishes one more message for each further run, a dry run with nothing running included', async () => {
    // Prepare
    const topicArn = await createTopic(moto, 'auto-cancel');
    const handler = await coldStart(topicArn);
    await handler({ waitSeconds: 10 }, lambdaContext(60_000));

    // Act
    const run = (await handler(
      { dryRun: true },
      lambdaContext(60_000),
    )) as RunResult;

    // Assess
    expect(run).toMatchObject({ dryRun: true, results: [], summary: {} });
    const sent = await sentNotifications(moto, topicArn);
    expect(sent).toHaveLength(2);
    const [first, dryRun] = sent as [SentNotification, SentNotification];
    expect(first.subject).toContain('3 cancelled');
    expect(dryRun).toMatchObject(expectedText(run, dryRun, { ok: true }));
    expect(dryRun.subject).toContain('dry run');
  });

  it('publishes the summary, then fails the invocation, when a job is still running at the end', async () => {
    // Prepare
    emulator.addJob(POOL_ID, {
      id: STUBBORN_JOB_ID,
      name: 'stubborn extract',
      status: 'RUNNING',
      stubborn: true,
    });
    const topicArn = await createTopic(moto, 'auto-cancel');
    const handler = await coldStart(topicArn);

    // Act
    const invocation = handler({ waitSeconds: 1 }, lambdaContext(60_000));

    // Assess
    await expect(invocation).rejects.toThrow(/stubborn extract/);
    const sent = await sentNotifications(moto, topicArn);
    expect(sent).toHaveLength(1);
    const [message] = sent as [SentNotification];
    for (const part of ['ATTENTION', '1 cancel-requested', '3 cancelled']) {
      expect(message.subject).toContain(part);
    }
    for (const part of ['stubborn extract', STUBBORN_JOB_ID]) {
      expect(message.message).toContain(part);
    }
  });

  it('fails the invocation when SNS refuses the summary, after cancelling', async () => {
    // Prepare
    const missingTopic = (await createTopic(moto, 'auto-cancel')).replace(
      /auto-cancel-[^:]+$/,
      'no-such-topic',
    );
    const handler = await coldStart(missingTopic);
    const output = captureLogs();

    // Act
    const invocation = handler({ waitSeconds: 10 }, lambdaContext(60_000));

    // Assess
    await expect(invocation).rejects.toThrow(
      'The run summary could not be published.',
    );
    output.restore();
    expect(output.lines()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'notification failed',
        errorName: 'NotFoundException',
      }),
    );
    expect(emulator.getJob(POOL_ID, JOB_IDS.extractOrders)?.status).toBe(
      'CANCEL',
    );
  });
});
