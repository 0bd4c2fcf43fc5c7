import 'aws-sdk-client-mock-vitest/extend';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  CelonisEmulator,
  RecordedRequest,
} from '../../../emulator/celonis.ts';
import {
  DEMO_DATA_SOURCE_IDS,
  DEMO_JOB_IDS,
  DEMO_POOL_ID,
} from '../../../emulator/demo.ts';
import { lambdaContext } from '../../helpers/events.ts';
import {
  CRM_JOB_ID,
  cancelPaths,
  celonisCancelPath,
  celonisRequests,
  type HandlerHarness,
  handlerEnv,
  poolsVariable,
  startHandlerHarness,
} from '../../helpers/handler-harness.ts';
import { captureLogs } from '../../helpers/log-capture.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const TOPIC_ARN =
  'arn:aws:sns:eu-central-1:123456789012:celonis-job-control-test-runs';
const BULK_POOL_ID = '4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b';
const STUBBORN_ID = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';
const FAILING_ID = '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e';
const { extractP2P, extractO2C, extractMasterData } = DEMO_JOB_IDS;
const { purchaseToPay } = DEMO_DATA_SOURCE_IDS;
const RUNNING_DEMO_JOBS = [extractP2P, extractO2C, extractMasterData];

const JOBS: Record<string, { name: string; previousStatus: string }> = {
  [extractP2P]: { name: 'Extract SAP ECC P2P', previousStatus: 'RUNNING' },
  [extractO2C]: { name: 'Extract SAP ECC O2C', previousStatus: 'RUNNING' },
  [extractMasterData]: {
    name: 'Extract SAP ECC Master Data',
    previousStatus: 'QUEUED',
  },
  [STUBBORN_ID]: {
    name: 'Extract SAP ECC Stubborn',
    previousStatus: 'RUNNING',
  },
  [FAILING_ID]: { name: 'Extract SAP ECC MM', previousStatus: 'RUNNING' },
  [CRM_JOB_ID]: {
    name: 'Extract Salesforce Accounts',
    previousStatus: 'RUNNING',
  },
};

/** One entry of `results`. */
function result(
  jobId: string,
  outcome: string,
  pool = 'demo',
): Record<string, unknown> {
  const job = JOBS[jobId];
  const cancelled = outcome === 'cancelled';

  return {
    pool,
    jobId,
    name: job?.name,
    previousStatus: job?.previousStatus,
    result: outcome,
    status: cancelled ? 'CANCEL' : job?.previousStatus,
  };
}

/** A string that contains every one of `parts`, in any order. */
function mentioning(...parts: string[]) {
  const escaped = parts.map((part) =>
    part.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );

  return expect.stringMatching(
    new RegExp(escaped.map((part) => `(?=[^]*${part})`).join('')),
  );
}

/** The largest number of requests that arrived within any one second. */
function busiestSecond(requests: RecordedRequest[]): number {
  const times = requests.map((entry) => entry.at).sort((a, b) => a - b);

  return Math.max(
    0,
    ...times.map(
      (start) => times.filter((at) => at >= start && at < start + 1000).length,
    ),
  );
}

describe('autoCancel handler', () => {
  const sns = mockClient(SNSClient);
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let handler: Handler;

  function run(event: unknown): Promise<unknown> {
    return handler(event, lambdaContext(60_000, 'auto-cancel'));
  }

  function addRunningJob(
    id: string,
    flags: { stubborn?: boolean; cancelFails?: boolean },
  ): void {
    emulator.addJob(DEMO_POOL_ID, {
      id,
      name: JOBS[id]?.name ?? 'Added job',
      dataSourceId: null,
      status: 'RUNNING',
      ...flags,
    });
  }

  function demoCancelPaths(jobIds: string[]): string[] {
    return jobIds.map((id) => celonisCancelPath(DEMO_POOL_ID, id)).sort();
  }

  beforeAll(async () => {
    harness = await startHandlerHarness({
      env: handlerEnv({
        POOLS: poolsVariable(`bulk=${BULK_POOL_ID}`),
        AUTO_CANCEL_POOLS: 'demo',
        NOTIFY_TOPIC_ARN: TOPIC_ARN,
        CELONIS_MAX_RPS: '20',
      }),
    });
    emulator = harness.emulator;
    handler = await harness.load('autoCancel');
  });

  afterAll(async () => {
    sns.restore();
    await harness?.close();
  });

  beforeEach(() => {
    harness.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({
      MessageId: '5d1a7c3e-2b4f-4e6a-8c9d-0e1f2a3b4c5d',
    });
  });

  describe('a run that stops every target', () => {
    it('cancels the running jobs, resolves to the results, logs and publishes a summary', async () => {
      const logs = captureLogs();

      const outcome = await run({
        pools: ['demo'],
        waitSeconds: 3,
        reason: 'SAP shutdown',
      });

      expect(outcome).toEqual({
        dryRun: false,
        results: RUNNING_DEMO_JOBS.map((id) => result(id, 'cancelled')),
        summary: { cancelled: 3 },
      });
      expect(cancelPaths(emulator).sort()).toEqual(
        demoCancelPaths(RUNNING_DEMO_JOBS),
      );
      const summaries = logs
        .lines()
        .filter((line) => String(line.message).startsWith('auto-cancel'));
      expect(summaries).toEqual([
        expect.objectContaining({
          level: 'INFO',
          message: 'auto-cancel finished',
          dryRun: false,
          pools: ['demo'],
          summary: { cancelled: 3 },
          reason: 'SAP shutdown',
        }),
      ]);
      expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
        TopicArn: TOPIC_ARN,
        Subject: mentioning(' ok', '3 cancelled', 'demo'),
        Message: expect.stringContaining('Reason: SAP shutdown'),
      });
      const message = String(
        sns.commandCalls(PublishCommand)[0]?.args[0].input.Message,
      );
      for (const id of RUNNING_DEMO_JOBS) {
        expect(message).toContain(`demo  ${JOBS[id]?.name}  ${id}`);
      }
    });

    it('falls back to AUTO_CANCEL_POOLS when the event names no pools', async () => {
      const outcome = await run({ dryRun: true });

      expect(outcome).toEqual({
        dryRun: true,
        results: RUNNING_DEMO_JOBS.map((id) => result(id, 'would-cancel')),
        summary: { 'would-cancel': 3 },
      });
    });

    it('names each result by the alias of its pool, however the event named it', async () => {
      const outcome = await run({
        pools: [DEMO_POOL_ID, 'crm', 'demo'],
        dryRun: true,
      });

      expect(outcome).toEqual({
        dryRun: true,
        results: [
          ...RUNNING_DEMO_JOBS.map((id) => result(id, 'would-cancel')),
          result(CRM_JOB_ID, 'would-cancel', 'crm'),
        ],
        summary: { 'would-cancel': 4 },
      });
    });

    it('targets only the jobs of dataSourceIds', async () => {
      const outcome = await run({
        pools: ['demo'],
        dataSourceIds: [purchaseToPay.toUpperCase()],
        dryRun: true,
      });

      expect(outcome).toEqual({
        dryRun: true,
        results: [
          result(extractP2P, 'would-cancel'),
          result(extractMasterData, 'would-cancel'),
        ],
        summary: { 'would-cancel': 2 },
      });
    });

    it('lists excludeJobIds as excluded and leaves them running', async () => {
      const outcome = await run({
        pools: ['demo'],
        excludeJobIds: [extractO2C],
        waitSeconds: 3,
      });

      expect(outcome).toEqual({
        dryRun: false,
        results: [
          result(extractP2P, 'cancelled'),
          result(extractO2C, 'excluded'),
          result(extractMasterData, 'cancelled'),
        ],
        summary: { cancelled: 2, excluded: 1 },
      });
      expect(cancelPaths(emulator).sort()).toEqual(
        demoCancelPaths([extractP2P, extractMasterData]),
      );
      expect(emulator.getJob(DEMO_POOL_ID, extractO2C)).toMatchObject({
        status: 'RUNNING',
      });
    });

    it('sends no cancel on a dry run and says so in the summary', async () => {
      const outcome = await run({ pools: ['demo'], dryRun: true });

      expect(outcome).toEqual({
        dryRun: true,
        results: RUNNING_DEMO_JOBS.map((id) => result(id, 'would-cancel')),
        summary: { 'would-cancel': 3 },
      });
      expect(cancelPaths(emulator)).toEqual([]);
      expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
        TopicArn: TOPIC_ARN,
        Subject: mentioning('dry run', '3 would-cancel'),
      });
    });

    it('resolves with no results when nothing runs', async () => {
      for (const id of RUNNING_DEMO_JOBS) {
        emulator.setJobStatus(DEMO_POOL_ID, id, 'SUCCESS');
      }

      const outcome = await run({ pools: ['demo'] });

      expect(outcome).toEqual({
        dryRun: false,
        results: [],
        summary: {},
      });
      expect(sns).toHaveReceivedCommandOnce(PublishCommand);
    });
  });

  describe('a run that leaves a job running', () => {
    it('fails naming a job that is still running, after publishing', async () => {
      addRunningJob(STUBBORN_ID, { stubborn: true });
      const logs = captureLogs();

      await expect(run({ pools: ['demo'], waitSeconds: 1 })).rejects.toThrow(
        /Extract SAP ECC Stubborn.*cancel-requested/,
      );

      expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
        TopicArn: TOPIC_ARN,
        Subject: mentioning('ATTENTION', '1 cancel-requested'),
        Message: expect.stringContaining(STUBBORN_ID),
      });
      expect(logs.lines()).toContainEqual(
        expect.objectContaining({
          level: 'ERROR',
          message: 'auto-cancel incomplete',
          summary: { cancelled: 3, 'cancel-requested': 1 },
        }),
      );
    });

    it('fails naming a job whose cancel failed, after publishing', async () => {
      addRunningJob(FAILING_ID, { cancelFails: true });

      await expect(run({ pools: ['demo'], waitSeconds: 2 })).rejects.toThrow(
        /Extract SAP ECC MM.*failed/,
      );

      expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
        TopicArn: TOPIC_ARN,
        Subject: mentioning('ATTENTION', '1 failed'),
        Message: expect.stringContaining(FAILING_ID),
      });
    });

    it('resolves on a dry run even with a stubborn job', async () => {
      addRunningJob(STUBBORN_ID, { stubborn: true });

      const outcome = await run({ pools: ['demo'], dryRun: true });

      expect(outcome).toMatchObject({
        dryRun: true,
        summary: { 'would-cancel': 4 },
      });
    });

    it('fails when the summary cannot be published', async () => {
      sns.on(PublishCommand).rejects(
        Object.assign(new Error('User is not authorized to publish'), {
          name: 'AuthorizationErrorException',
        }),
      );

      await expect(run({ pools: ['demo'], dryRun: true })).rejects.toThrow(
        /publish/,
      );
    });
  });

  describe('an invalid event', () => {
    it.each([
      ['pools that is not a list', { pools: 'demo' }, /pools/],
      ['an empty pools list', { pools: [] }, /pools/],
      ['a pool that is not configured', { pools: ['demo', 'hr'] }, /pools/],
      [
        'a data source id that is no UUID',
        { dataSourceIds: ['sap'] },
        /dataSourceIds/,
      ],
      ['a job id that is no UUID', { excludeJobIds: [42] }, /excludeJobIds/],
      ['dryRun as text', { dryRun: 'true' }, /dryRun/],
      ['waitSeconds above 600', { waitSeconds: 601 }, /waitSeconds/],
      ['negative waitSeconds', { waitSeconds: -1 }, /waitSeconds/],
      ['waitSeconds as text', { waitSeconds: '60' }, /waitSeconds/],
      ['a reason over 200 characters', { reason: 'r'.repeat(201) }, /reason/],
      ['an unknown field', { pool: ['demo'] }, /\bpool\b/],
    ])('fails at once, naming the field, for %s', async (_, event, field) => {
      await expect(run(event)).rejects.toThrow(field);

      expect(emulator.requests()).toEqual([]);
      expect(sns).not.toHaveReceivedCommand(PublishCommand);
    });

    it('fails at once for an event that is not an object', async () => {
      await expect(run('demo')).rejects.toThrow(/object/);

      expect(emulator.requests()).toEqual([]);
    });
  });

  describe('a pool with many running jobs', () => {
    it('stays within Celonis rate limit while it cancels them all', async () => {
      emulator.addPool({
        id: BULK_POOL_ID,
        name: 'Bulk',
        jobs: Array.from({ length: 60 }, (_, index) => ({
          id: `${BULK_POOL_ID.slice(0, -4)}${String(index).padStart(4, '0')}`,
          name: `Extract table ${index}`,
          status: 'RUNNING' as const,
        })),
      });
      emulator.setRateLimit(20);

      const outcome = await run({ pools: ['bulk'], waitSeconds: 5 });

      expect(outcome).toMatchObject({
        dryRun: false,
        summary: { cancelled: 60 },
      });
      const requests = celonisRequests(emulator);
      expect(
        requests.filter((entry) => entry.status === 429),
        'requests Celonis refused with 429',
      ).toEqual([]);
      expect(
        busiestSecond(requests),
        'requests that reached Celonis within one second',
      ).toBeLessThanOrEqual(20);
      expect(requests.filter((entry) => entry.route === 'cancel')).toHaveLength(
        60,
      );
    }, 20_000);
  });

  describe('with AUTO_CANCEL_DRY_RUN=true', () => {
    let dryHandler: Handler;

    beforeAll(async () => {
      dryHandler = await harness.load('autoCancel', {
        AUTO_CANCEL_DRY_RUN: 'true',
      });
    });

    it('runs dry unless the event says otherwise', async () => {
      const context = lambdaContext(60_000, 'auto-cancel');

      const dry = await dryHandler({}, context);
      const real = await dryHandler({ dryRun: false, waitSeconds: 3 }, context);

      expect(dry).toMatchObject({
        dryRun: true,
        summary: { 'would-cancel': 3 },
      });
      expect(real).toMatchObject({
        dryRun: false,
        summary: { cancelled: 3 },
      });
      expect(cancelPaths(emulator)).toHaveLength(3);
    });
  });
});
