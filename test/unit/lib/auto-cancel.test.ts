import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';
import {
  AutoCancelIncompleteError,
  type AutoCancelOutcome,
  type AutoCancelRequest,
  type AutoCancelResult,
  InvalidEventError,
  parseEvent,
  reportRun,
  runAutoCancel,
} from '../../../lib/auto-cancel.ts';
import type { CancelResult } from '../../../lib/cancel.ts';
import { loadConfig, type Pool } from '../../../lib/config.ts';
import { Deadline } from '../../../lib/deadline.ts';
import type { JobStatus } from '../../../lib/jobs.ts';
import { formatNotification } from '../../../lib/notify.ts';
import type { Services } from '../../../lib/services.ts';
import { createCelonisStack } from '../../helpers/celonis-stack.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { APP_KEY } from '../../helpers/secrets.ts';
import { thrown } from '../../helpers/thrown.ts';

const SAP: Pool = {
  alias: 'sap-ecc',
  id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
};
const CRM: Pool = { alias: 'crm', id: '0e6b7a55-2c1f-4d3e-8a9b-1c2d3e4f5a6b' };
const POOLS = [SAP, CRM];
const SOURCE_ID = '3702de43-b181-4b5b-90da-87e056ce7616';
const JOB_ID = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';

describe('parseEvent', () => {
  it('reads a complete event', () => {
    // Prepare
    const event = {
      pools: ['sap-ecc', CRM.id.toUpperCase()],
      dataSourceIds: [SOURCE_ID.toUpperCase()],
      excludeJobIds: [JOB_ID],
      dryRun: true,
      waitSeconds: 600,
      reason: 'nightly SAP shutdown',
    };

    // Act
    const request = parseEvent(event, POOLS, [], false);

    // Assess
    expect(request).toEqual<AutoCancelRequest>({
      pools: [SAP, CRM],
      dataSourceIds: new Set([SOURCE_ID]),
      excludeJobIds: new Set([JOB_ID]),
      dryRun: true,
      waitSeconds: 600,
      reason: 'nightly SAP shutdown',
    });
  });

  it.each([
    ['an empty event', {}],
    ['no event', undefined],
    ['a null event', null],
  ])('falls back to the defaults for %s', (_case, event) => {
    // Act
    const request = parseEvent(event, POOLS, [CRM], false);

    // Assess
    expect(request).toEqual<AutoCancelRequest>({
      pools: [CRM],
      dataSourceIds: undefined,
      excludeJobIds: new Set(),
      dryRun: false,
      waitSeconds: 120,
      reason: undefined,
    });
  });

  it('takes AUTO_CANCEL_POOLS and AUTO_CANCEL_DRY_RUN from the configuration', () => {
    // Prepare
    const config = loadConfig({
      CELONIS_URL: 'https://acme.eu-1.celonis.cloud',
      CELONIS_SECRET_ID: 'celonis',
      POOLS: `sap-ecc=${SAP.id},crm=${CRM.id}`,
      AUTO_CANCEL_POOLS: 'crm,sap-ecc',
      AUTO_CANCEL_DRY_RUN: 'true',
    });

    // Act
    const request = parseEvent(
      { waitSeconds: 0 },
      config.pools,
      config.autoCancelPools,
      config.autoCancelDryRun,
    );

    // Assess
    expect(request.pools).toEqual([CRM, SAP]);
    expect(request.dryRun).toBe(true);
    expect(request.waitSeconds).toBe(0);
  });

  it('is no dry run when AUTO_CANCEL_DRY_RUN is not set', () => {
    // Prepare
    const config = loadConfig({
      CELONIS_URL: 'https://acme.eu-1.celonis.cloud',
      CELONIS_SECRET_ID: 'celonis',
      POOLS: `sap-ecc=${SAP.id}`,
      AUTO_CANCEL_POOLS: 'sap-ecc',
    });

    // Act
    const request = parseEvent(
      {},
      config.pools,
      config.autoCancelPools,
      config.autoCancelDryRun,
    );

    // Assess
    expect(request.dryRun).toBe(false);
  });

  it('lets the event turn the default dry run off', () => {
    // Act
    const request = parseEvent({ dryRun: false }, POOLS, [SAP], true);

    // Assess
    expect(request.dryRun).toBe(false);
  });

  it('prefers the pools of the event to AUTO_CANCEL_POOLS', () => {
    // Act
    const request = parseEvent({ pools: ['crm'] }, POOLS, [SAP], false);

    // Assess
    expect(request.pools).toEqual([CRM]);
  });

  it('names a pool once however often the event names it', () => {
    // Act
    const request = parseEvent(
      { pools: ['sap-ecc', SAP.id, SAP.id.toUpperCase()] },
      POOLS,
      [],
      false,
    );

    // Assess
    expect(request.pools).toEqual([SAP]);
  });

  it('throws when neither the event nor AUTO_CANCEL_POOLS names a pool', () => {
    // Act
    const error = thrown(() => parseEvent({ dryRun: true }, POOLS, [], false));

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({
      message:
        'Invalid autoCancel event: pools: the event names none and AUTO_CANCEL_POOLS is not set.',
    });
  });

  it.each([
    ['pools', { pools: 'sap-ecc' }],
    ['pools', { pools: [] }],
    ['pools.0', { pools: [42] }],
    ['pools.1', { pools: ['sap-ecc', 'finance'] }],
    ['pools.0', { pools: ['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'] }],
    ['pools.0', { pools: ['SAP-ECC'] }],
    ['dataSourceIds', { dataSourceIds: SOURCE_ID }],
    ['dataSourceIds.0', { dataSourceIds: ['sap-source'] }],
    ['excludeJobIds.1', { excludeJobIds: [JOB_ID, 'main-job'] }],
    ['excludeJobIds', { excludeJobIds: {} }],
    ['dryRun', { dryRun: 'true' }],
    ['dryRun', { dryRun: 1 }],
    ['waitSeconds', { waitSeconds: -1 }],
    ['waitSeconds', { waitSeconds: 601 }],
    ['waitSeconds', { waitSeconds: '60' }],
    ['waitSeconds', { waitSeconds: null }],
    ['reason', { reason: 'x'.repeat(201) }],
    ['reason', { reason: 7 }],
  ])('throws naming %s for %j', (field, event) => {
    // Act
    const error = thrown(() => parseEvent(event, POOLS, [SAP], false));

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Invalid autoCancel event: ${field.replace('.', '\\.')}: `),
    );
  });

  it('throws naming an unknown field', () => {
    // Act
    const error = thrown(() =>
      parseEvent({ pool: 'sap-ecc', dryRun: true }, POOLS, [SAP], false),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/unknown field pool\b/);
  });

  it.each([
    ['a string', 'sap-ecc'],
    ['a list', [{ pools: ['sap-ecc'] }]],
    ['a number', 42],
  ])('throws when the event is %s', (_case, event) => {
    // Act
    const error = thrown(() => parseEvent(event, POOLS, [SAP], false));

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
  });
});

describe('runAutoCancel', () => {
  const GHOST: Pool = {
    alias: 'ghost',
    id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  };
  const OTHER_SOURCE = '9c1b2a3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
  const QUEUED_ID = '11111111-2222-4333-8444-555555555555';
  const OTHER_ID = '22222222-3333-4444-8555-666666666666';
  const DONE_ID = '33333333-4444-4555-8666-777777777777';
  const secretsManager = mockClient(SecretsManagerClient);
  let emulator: CelonisEmulator;
  let services: Services;

  const request = (changes: Partial<AutoCancelRequest> = {}) => ({
    pools: [SAP],
    dataSourceIds: undefined,
    excludeJobIds: new Set<string>(),
    dryRun: false,
    waitSeconds: 0,
    reason: 'nightly SAP shutdown',
    ...changes,
  });
  const deadline = () => new Deadline(Date.now() + 10_000);
  const view = (
    jobId: string,
    name: string,
    previousStatus: JobStatus,
    result: CancelResult,
    status: JobStatus = previousStatus,
  ): AutoCancelResult => ({
    pool: 'sap-ecc',
    jobId,
    name,
    previousStatus,
    result,
    status,
  });

  beforeAll(async () => {
    emulator = await startCelonisEmulator({
      appKeys: [APP_KEY],
      cancelDelayMs: 50,
      pools: [
        {
          id: SAP.id,
          name: 'SAP ECC',
          jobs: [
            {
              id: JOB_ID,
              name: 'Extract P2P',
              status: 'RUNNING',
              dataSourceId: SOURCE_ID,
            },
            {
              id: QUEUED_ID,
              name: 'Extract O2C',
              status: 'QUEUED',
              dataSourceId: SOURCE_ID,
            },
            {
              id: OTHER_ID,
              name: 'Extract CRM',
              status: 'RUNNING',
              dataSourceId: OTHER_SOURCE,
            },
            {
              id: DONE_ID,
              name: 'Transform',
              status: 'SUCCESS',
              dataSourceId: SOURCE_ID,
            },
          ],
        },
      ],
    });
  });

  afterAll(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    emulator.reset();
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: APP_KEY });
    const stack = createCelonisStack({ url: emulator.url });
    const config = loadConfig({
      CELONIS_URL: emulator.url,
      CELONIS_SECRET_ID: 'celonis',
      POOLS: `sap-ecc=${SAP.id},ghost=${GHOST.id}`,
    });
    services = { config, secrets: stack.secrets, celonis: stack.client };
  });

  it('lists what it would cancel on a dry run and sends nothing', async () => {
    // Act
    const outcome = await runAutoCancel(
      services,
      request({ dryRun: true }),
      deadline(),
    );

    // Assess
    expect(outcome).toEqual<AutoCancelOutcome>({
      dryRun: true,
      results: [
        view(JOB_ID, 'Extract P2P', 'RUNNING', 'would-cancel'),
        view(QUEUED_ID, 'Extract O2C', 'QUEUED', 'would-cancel'),
        view(OTHER_ID, 'Extract CRM', 'RUNNING', 'would-cancel'),
      ],
      summary: { 'would-cancel': 3 },
      poolErrors: [],
      pools: ['sap-ecc'],
      reason: 'nightly SAP shutdown',
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ok: true,
    });
    expect(emulator.requests().map((r) => r.route)).not.toContain('cancel');
  });

  it('cancels only jobs of the data sources, never the excluded ones', async () => {
    // Act
    const outcome = await runAutoCancel(
      services,
      request({
        dataSourceIds: new Set([SOURCE_ID]),
        excludeJobIds: new Set([JOB_ID]),
        waitSeconds: 2,
      }),
      deadline(),
    );

    // Assess
    expect(outcome.results).toEqual([
      view(JOB_ID, 'Extract P2P', 'RUNNING', 'excluded'),
      view(QUEUED_ID, 'Extract O2C', 'QUEUED', 'cancelled', 'CANCEL'),
    ]);
    expect(outcome.ok).toBe(true);
    expect(emulator.getJob(SAP.id, JOB_ID)?.status).toBe('RUNNING');
    expect(emulator.getJob(SAP.id, OTHER_ID)?.status).toBe('RUNNING');
  });

  it('is not ok while a cancelled job may still run', async () => {
    // Act
    const outcome = await runAutoCancel(
      services,
      request({ excludeJobIds: new Set([JOB_ID, OTHER_ID]) }),
      deadline(),
    );

    // Assess
    expect(outcome.results).toEqual([
      view(JOB_ID, 'Extract P2P', 'RUNNING', 'excluded'),
      view(QUEUED_ID, 'Extract O2C', 'QUEUED', 'cancel-requested'),
      view(OTHER_ID, 'Extract CRM', 'RUNNING', 'excluded'),
    ]);
    expect(outcome.summary).toEqual({ excluded: 2, 'cancel-requested': 1 });
    expect(outcome.ok).toBe(false);
  });

  it('reports a pool it could not list and goes on with the others', async () => {
    // Act
    const outcome = await runAutoCancel(
      services,
      request({ pools: [GHOST, SAP], dryRun: true }),
      deadline(),
    );

    // Assess
    expect(outcome.poolErrors).toEqual([
      {
        pool: 'ghost',
        error: expect.stringMatching(
          /^Celonis \(GET \/pools\/\{poolId\}\/jobs\) answered HTTP 404/,
        ),
      },
    ]);
    expect(outcome.results).toHaveLength(3);
    expect(outcome.ok).toBe(false);
  });
});

describe('reportRun', () => {
  const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:job-control';
  const sns = mockClient(SNSClient);
  const outcome = (changes: Partial<AutoCancelOutcome> = {}) => ({
    dryRun: false,
    results: [
      {
        pool: 'sap-ecc',
        jobId: JOB_ID,
        name: 'Extract P2P',
        previousStatus: 'RUNNING' as const,
        result: 'cancelled' as const,
        status: 'CANCEL' as const,
      },
    ],
    summary: { cancelled: 1 },
    poolErrors: [],
    pools: ['sap-ecc'],
    reason: undefined,
    startedAt: '2026-12-03T22:00:00.000Z',
    ok: true,
    ...changes,
  });
  const unfinished = (): AutoCancelOutcome =>
    outcome({
      results: [
        {
          pool: 'sap-ecc',
          jobId: JOB_ID,
          name: 'Extract P2P',
          previousStatus: 'RUNNING',
          result: 'cancel-requested',
          status: 'RUNNING',
        },
      ],
      summary: { 'cancel-requested': 1 },
      poolErrors: [{ pool: 'crm', error: 'Celonis did not answer in time.' }],
      pools: ['sap-ecc', 'crm'],
      ok: false,
    });

  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('logs and publishes the summary of a finished run', async () => {
    // Prepare
    const logs = captureLogs();

    // Act
    await reportRun(outcome(), TOPIC_ARN);

    // Assess
    const text = formatNotification(outcome());
    expect(sns).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: text.subject,
      Message: text.message,
    });
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'auto-cancel finished',
        pools: ['sap-ecc'],
        summary: { cancelled: 1 },
      }),
    );
  });

  it('publishes nothing without a topic', async () => {
    // Act
    await reportRun(outcome(), undefined);

    // Assess
    expect(sns).toReceiveCommandTimes(PublishCommand, 0);
  });

  it('throws after publishing when a job may still be running', async () => {
    // Act
    const reporting = reportRun(unfinished(), TOPIC_ARN);

    // Assess
    await expect(reporting).rejects.toBeInstanceOf(AutoCancelIncompleteError);
    await expect(reporting).rejects.toThrow(
      'Auto-cancel incomplete: crm (not listed), sap-ecc/Extract P2P (cancel-requested).',
    );
    expect(sns).toReceiveCommandTimes(PublishCommand, 1);
  });

  it('throws when the summary could not be published', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(new Error('throttled'));

    // Act
    const reporting = reportRun(outcome(), TOPIC_ARN);

    // Assess
    await expect(reporting).rejects.toThrow(
      'The run summary could not be published.',
    );
  });
});
