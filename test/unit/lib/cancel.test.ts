import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';
import {
  type CancelOptions,
  type CancelOutcome,
  type CancelTarget,
  cancelJobs,
  selectRunning,
  summarize,
} from '../../../lib/cancel.ts';
import type { CelonisClient } from '../../../lib/celonis.ts';
import type { Pool } from '../../../lib/config.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { CelonisError } from '../../../lib/errors.ts';
import type { Job } from '../../../lib/jobs.ts';
import { createCelonisStack } from '../../helpers/celonis-stack.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { APP_KEY } from '../../helpers/secrets.ts';

const SAP: Pool = {
  alias: 'sap-ecc',
  id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
};
const CRM: Pool = { alias: 'crm', id: '0e6b7a55-2c1f-4d3e-8a9b-1c2d3e4f5a6b' };
const RUNNING = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';
const QUEUED = '11111111-2222-4333-8444-555555555555';
const FINISHED = '22222222-3333-4444-8555-666666666666';
const NEVER_RAN = '33333333-4444-4555-8666-777777777777';
const STUBBORN = '44444444-5555-4666-8777-888888888888';
const BROKEN = '55555555-6666-4777-8888-999999999999';
const CRM_RUNNING = '66666666-7777-4888-8999-aaaaaaaaaaaa';
const SOURCE_A = '3702de43-b181-4b5b-90da-87e056ce7616';
const SOURCE_B = '9c1b2a3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';

const secretsManager = mockClient(SecretsManagerClient);

describe('cancelJobs', () => {
  let emulator: CelonisEmulator;
  let client: CelonisClient;
  let inFlight: { now: number; max: number };
  let listed: Map<string, Job>;

  const options = (changes: Partial<CancelOptions> = {}): CancelOptions => ({
    dryRun: false,
    waitMs: 2_000,
    deadline: new Deadline(Date.now() + 10_000),
    pollIntervalMs: 50,
    ...changes,
  });
  const job = (id: string): Job => {
    const found = listed.get(id);
    if (found === undefined) {
      throw new Error(`no job ${id}`);
    }

    return found;
  };
  const target = (id: string, pool = SAP): CancelTarget => ({
    pool,
    job: job(id),
  });
  const cancelsSent = () =>
    emulator
      .requests()
      .filter((request) => request.route === 'cancel')
      .map((request) => request.path.split('/').at(-2));

  /** The outcome for a job that reached `status` after the cancel. */
  const ended = (
    id: string,
    result: CancelOutcome['result'],
    status: Job['status'],
    pool = SAP,
  ): CancelOutcome => ({
    pool,
    jobId: id,
    name: job(id).name,
    previousStatus: job(id).status,
    result,
    status,
    job: {
      ...job(id),
      status,
      currentExecutionId:
        status === 'CANCEL' || status === 'SUCCESS'
          ? null
          : job(id).currentExecutionId,
    },
  });

  beforeAll(async () => {
    emulator = await startCelonisEmulator({
      appKeys: [APP_KEY],
      cancelDelayMs: 100,
      pools: [
        {
          id: SAP.id,
          name: 'SAP ECC',
          jobs: [
            {
              id: RUNNING,
              name: 'Extract P2P',
              status: 'RUNNING',
              dataSourceId: SOURCE_A,
            },
            {
              id: QUEUED,
              name: 'Extract O2C',
              status: 'QUEUED',
              dataSourceId: SOURCE_B,
            },
            { id: FINISHED, name: 'Transform', status: 'SUCCESS' },
            { id: NEVER_RAN, name: 'Load', status: null },
            {
              id: STUBBORN,
              name: 'Stubborn',
              status: 'RUNNING',
              stubborn: true,
            },
            {
              id: BROKEN,
              name: 'Broken',
              status: 'RUNNING',
              cancelFails: true,
            },
          ],
        },
        {
          id: CRM.id,
          name: 'CRM',
          jobs: [{ id: CRM_RUNNING, name: 'CRM extract', status: 'RUNNING' }],
        },
      ],
    });
  });

  afterAll(async () => {
    await emulator.close();
  });

  beforeEach(async () => {
    emulator.reset();
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: APP_KEY });
    inFlight = { now: 0, max: 0 };
    const counting = (async (
      input: string | URL | Request,
      init?: RequestInit,
    ) => {
      const isCancel = String(input).endsWith('/cancel');
      inFlight.now += isCancel ? 1 : 0;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      try {
        return await fetch(input, init);
      } finally {
        inFlight.now -= isCancel ? 1 : 0;
      }
    }) as typeof fetch;
    client = createCelonisStack({ url: emulator.url, fetch: counting }).client;
    const deadline = new Deadline(Date.now() + 5_000);
    const jobs = [
      ...(await client.listJobs(SAP.id, deadline)),
      ...(await client.listJobs(CRM.id, deadline)),
    ];
    listed = new Map(jobs.map((j) => [j.id, j]));
    emulator.clearRequests();
  });

  it('cancels running and queued jobs and waits until they are cancelled', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [target(RUNNING), target(QUEUED)],
      options(),
    );

    // Assess
    expect(outcomes).toEqual([
      ended(RUNNING, 'cancelled', 'CANCEL'),
      ended(QUEUED, 'cancelled', 'CANCEL'),
    ]);
    expect(cancelsSent().sort()).toEqual([RUNNING, QUEUED].sort());
    expect(emulator.getJob(SAP.id, RUNNING)?.status).toBe('CANCEL');
  });

  it('sends nothing for jobs that are not running', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [target(FINISHED), target(NEVER_RAN)],
      options(),
    );

    // Assess
    expect(outcomes).toEqual([
      ended(FINISHED, 'not-running', 'SUCCESS'),
      ended(NEVER_RAN, 'not-running', null),
    ]);
    expect(emulator.requests()).toEqual([]);
  });

  it('only says what it would cancel on a dry run', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [target(RUNNING), target(FINISHED)],
      options({ dryRun: true }),
    );

    // Assess
    expect(outcomes).toEqual([
      ended(RUNNING, 'would-cancel', 'RUNNING'),
      ended(FINISHED, 'not-running', 'SUCCESS'),
    ]);
    expect(emulator.requests()).toEqual([]);
    expect(emulator.getJob(SAP.id, RUNNING)?.status).toBe('RUNNING');
  });

  it('reports a failed cancel alongside the successful ones', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [target(RUNNING), target(BROKEN), target(QUEUED)],
      options(),
    );

    // Assess
    const broken = outcomes[1];
    expect(outcomes).toEqual([
      ended(RUNNING, 'cancelled', 'CANCEL'),
      {
        ...ended(BROKEN, 'failed', 'RUNNING'),
        error: expect.stringMatching(
          /^Celonis \(POST \/pools\/\{poolId\}\/jobs\/\{jobId\}\/cancel\) answered HTTP 500/,
        ),
        cause: expect.any(CelonisError),
      },
      ended(QUEUED, 'cancelled', 'CANCEL'),
    ]);
    expect(broken?.error).toBe((broken?.cause as Error | undefined)?.message);
  });

  it('leaves a job that does not stop as cancel-requested when the wait ends', async () => {
    // Prepare
    const startedAt = Date.now();

    // Act
    const outcomes = await cancelJobs(
      client,
      [target(STUBBORN)],
      options({ waitMs: 300 }),
    );

    // Assess
    expect(outcomes).toEqual([ended(STUBBORN, 'cancel-requested', 'RUNNING')]);
    expect(cancelsSent()).toEqual([STUBBORN]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(Date.now() - startedAt).toBeLessThan(1_500);
  });

  it('keeps waiting for a job whose status a poll does not show', async () => {
    // Prepare
    setTimeout(() => emulator.setJobStatus(SAP.id, STUBBORN, null), 120);

    // Act
    const [outcome] = await cancelJobs(
      client,
      [target(STUBBORN)],
      options({ waitMs: 400 }),
    );

    // Assess
    expect(outcome?.result).toBe('cancel-requested');
  });

  it('reports not-running for a job that ended otherwise during the wait', async () => {
    // Prepare
    setTimeout(() => emulator.setJobStatus(SAP.id, STUBBORN, 'SUCCESS'), 120);

    // Act
    const outcomes = await cancelJobs(client, [target(STUBBORN)], options());

    // Assess
    expect(outcomes).toEqual([ended(STUBBORN, 'not-running', 'SUCCESS')]);
  });

  it('does not wait when the wait is 0', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [target(RUNNING)],
      options({ waitMs: 0 }),
    );

    // Assess
    expect(outcomes).toEqual([ended(RUNNING, 'cancel-requested', 'RUNNING')]);
    expect(emulator.requests().map((r) => r.route)).toEqual(['cancel']);
  });

  it('leaves excluded targets untouched', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [{ ...target(RUNNING), excluded: true }, target(QUEUED)],
      options(),
    );

    // Assess
    expect(outcomes).toEqual([
      ended(RUNNING, 'excluded', 'RUNNING'),
      ended(QUEUED, 'cancelled', 'CANCEL'),
    ]);
    expect(cancelsSent()).toEqual([QUEUED]);
    expect(emulator.getJob(SAP.id, RUNNING)?.status).toBe('RUNNING');
  });

  it('cancels a job named twice once', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [target(RUNNING), target(QUEUED), target(RUNNING)],
      options(),
    );

    // Assess
    expect(outcomes.map((o) => o.jobId)).toEqual([RUNNING, QUEUED]);
    expect(cancelsSent().sort()).toEqual([RUNNING, QUEUED].sort());
  });

  it('cancels jobs of several pools', async () => {
    // Act
    const outcomes = await cancelJobs(
      client,
      [target(RUNNING), target(CRM_RUNNING, CRM)],
      options(),
    );

    // Assess
    expect(outcomes).toEqual([
      ended(RUNNING, 'cancelled', 'CANCEL'),
      ended(CRM_RUNNING, 'cancelled', 'CANCEL', CRM),
    ]);
  });

  it('keeps polling after a failed poll', async () => {
    // Prepare
    emulator.setFault({ route: 'job', kind: 'html', times: 2 });

    // Act
    const outcomes = await cancelJobs(client, [target(RUNNING)], options());

    // Assess
    expect(outcomes).toEqual([ended(RUNNING, 'cancelled', 'CANCEL')]);
  });

  it('keeps no more cancels in flight than its concurrency', async () => {
    // Prepare
    emulator.setCancelResponseDelay(40);
    const ids = [RUNNING, QUEUED, STUBBORN, CRM_RUNNING];

    // Act
    const outcomes = await cancelJobs(
      client,
      ids.map((id) => target(id, id === CRM_RUNNING ? CRM : SAP)),
      options({ concurrency: 2, waitMs: 0 }),
    );

    // Assess
    expect(outcomes.map((o) => o.result)).toEqual(
      Array(4).fill('cancel-requested'),
    );
    expect(cancelsSent()).toHaveLength(4);
    expect(inFlight.max).toBe(2);
  });

  it('logs one audit line per job with the reason', async () => {
    // Prepare
    const logs = captureLogs();

    // Act
    await cancelJobs(
      client,
      [target(RUNNING), target(FINISHED)],
      options({ reason: 'nightly SAP shutdown' }),
    );

    // Assess
    const audit = logs.lines().filter((line) => line.message === 'job cancel');
    expect(audit).toEqual([
      expect.objectContaining({
        level: 'INFO',
        pool: 'sap-ecc',
        jobId: RUNNING,
        jobName: 'Extract P2P',
        previousStatus: 'RUNNING',
        result: 'cancelled',
        status: 'CANCEL',
        dryRun: false,
        reason: 'nightly SAP shutdown',
      }),
      expect.objectContaining({
        level: 'INFO',
        jobId: FINISHED,
        result: 'not-running',
        reason: 'nightly SAP shutdown',
      }),
    ]);
  });

  it('answers no outcome for no target', async () => {
    // Act
    const outcomes = await cancelJobs(client, [], options());

    // Assess
    expect(outcomes).toEqual([]);
    expect(emulator.requests()).toEqual([]);
  });
});

describe('summarize', () => {
  const outcome = (result: CancelOutcome['result']) =>
    ({ result }) as CancelOutcome;

  it('counts the outcomes by result', () => {
    // Prepare
    const outcomes = [
      outcome('cancelled'),
      outcome('failed'),
      outcome('cancelled'),
      outcome('not-running'),
      outcome('cancel-requested'),
      outcome('excluded'),
      outcome('cancelled'),
    ];

    // Act
    const summary = summarize(outcomes);

    // Assess
    expect(summary).toEqual({
      cancelled: 3,
      failed: 1,
      'not-running': 1,
      'cancel-requested': 1,
      excluded: 1,
    });
  });

  it('answers an empty summary for no outcome', () => {
    // Act
    const summary = summarize([]);

    // Assess
    expect(summary).toEqual({});
  });
});

describe('selectRunning', () => {
  const job = (
    id: string,
    status: Job['status'],
    dataSourceId: string | null,
  ): Job => ({
    id,
    name: id,
    status,
    dataSourceId,
    currentExecutionId: null,
    lastExecutionStartDate: null,
  });
  const jobs = [
    job(RUNNING, 'RUNNING', SOURCE_A),
    job(QUEUED, 'QUEUED', SOURCE_B),
    job(FINISHED, 'SUCCESS', SOURCE_A),
    job(NEVER_RAN, null, null),
    job(STUBBORN, 'RUNNING', null),
    job(BROKEN, 'UNKNOWN', SOURCE_A),
  ];
  const ids = (selected: Job[]) => selected.map((j) => j.id);

  it.each([
    [
      'an empty selector selects every running job',
      [{}],
      [RUNNING, QUEUED, STUBBORN],
    ],
    [
      'job ids select those jobs if running',
      [{ jobIds: new Set([RUNNING, FINISHED]) }],
      [RUNNING],
    ],
    [
      'data source ids select their running jobs',
      [{ dataSourceIds: new Set([SOURCE_A]) }],
      [RUNNING],
    ],
    [
      'a selector with both lists needs both to match',
      [
        {
          jobIds: new Set([RUNNING, QUEUED]),
          dataSourceIds: new Set([SOURCE_B]),
        },
      ],
      [QUEUED],
    ],
    [
      'several selectors add up',
      [{ jobIds: new Set([STUBBORN]) }, { dataSourceIds: new Set([SOURCE_B]) }],
      [QUEUED, STUBBORN],
    ],
    ['no selector selects nothing', [], []],
    ['an empty id list selects nothing', [{ jobIds: new Set<string>() }], []],
  ])('%s', (_case, selectors, expected) => {
    // Act
    const selected = selectRunning(jobs, selectors);

    // Assess
    expect(ids(selected)).toEqual(expected);
  });
});
