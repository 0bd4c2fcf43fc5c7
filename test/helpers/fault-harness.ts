/**
 * Runs the real functions in-process against the Celonis emulator: the
 * environment points them at the emulator, Secrets Manager is mocked at
 * the client class, and `loadFunctions` imports fresh copies of
 * `functions/*.ts`, so each test starts with cold caches (secrets, callers,
 * OAuth token, rate limiter) as a new Lambda container would.
 */
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import {
  type CelonisEmulator,
  type JobSeed,
  type RecordedRequest,
  type RouteName,
  startCelonisEmulator,
} from '../../emulator/celonis.ts';
import type { HttpResult } from '../../lib/http.ts';
import {
  APP_KEY,
  type CallerSpec,
  callersSecret,
  LEAK_MARKER,
} from './secrets.ts';

export const CELONIS_SECRET_ID = 'celonis-job-control/celonis';
export const CALLERS_SECRET_ID = 'celonis-job-control/callers';

export const DEMO_POOL_ID = '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1';
export const CRM_POOL_ID = '8b0e3f1a-5c2d-4e6f-9a7b-1c2d3e4f5a6b';
/** Configured in `POOLS`, but unknown to the emulator. */
export const GHOST_POOL_ID = 'c4a1e2b3-d5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const POOL_IDS = [DEMO_POOL_ID, CRM_POOL_ID, GHOST_POOL_ID] as const;

export const RUNNING_JOB_ID = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';
export const FINISHED_JOB_ID = '5f2b8c1d-7e4a-4b3c-9d8e-2a1b0c9d8e7f';
export const CRM_JOB_ID = 'e7d6c5b4-a392-4817-86f5-4e3d2c1b0a99';

/** Reads and cancels in every configured pool. */
export const ADMIN_TOKEN = `admin-token-${LEAK_MARKER}`;

export const HARNESS_CALLERS: CallerSpec[] = [
  {
    name: 'fault-admin',
    token: ADMIN_TOKEN,
    scopes: ['jobs:read', 'jobs:cancel'],
    pools: ['*'],
  },
];

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<HttpResult>;

export type EventHandler = (
  event: unknown,
  context: Context,
) => Promise<unknown>;

export interface Functions {
  status: HttpHandler;
  cancel: HttpHandler;
  autoCancel: EventHandler;
}

export interface FaultHarness {
  emulator: CelonisEmulator;
  secrets: AwsClientStub<SecretsManagerClient>;
  /** Back to the seeds: no faults, no requests, fresh secrets. */
  reset(options?: ResetOptions): void;
  /** Fresh copies of the three functions, as in a new container. */
  loadFunctions(): Promise<Functions>;
  /** Celonis requests the emulator saw, optionally of one route only. */
  celonisRequests(route?: RouteName): RecordedRequest[];
  /** How often the functions read the Celonis credentials secret. */
  celonisSecretReads(): number;
  close(): Promise<void>;
}

export interface ResetOptions {
  /**
   * The Celonis credentials secret string on each read, the last one for
   * every further read; default `[APP_KEY]`. Two values make a rotation.
   */
  celonisSecrets?: readonly string[];
}

function demoJobs(): JobSeed[] {
  return [
    {
      id: RUNNING_JOB_ID,
      name: 'main job',
      dataSourceId: '3702de43-b181-4b5b-90da-87e056ce7616',
      status: 'RUNNING',
      lastExecutionStartDate: 1_796_420_000_000,
    },
    {
      id: FINISHED_JOB_ID,
      name: 'nightly extract',
      dataSourceId: null,
      status: 'SUCCESS',
      lastExecutionStartDate: '2026-12-03T21:00:00.000Z',
    },
  ];
}

/**
 * @example
 * const harness = await startFaultHarness();
 * const { status } = await harness.loadFunctions();
 */
export async function startFaultHarness(): Promise<FaultHarness> {
  const emulator = await startCelonisEmulator({
    pools: [
      { id: DEMO_POOL_ID, name: 'SAP ECC', jobs: demoJobs() },
      {
        id: CRM_POOL_ID,
        name: 'CRM',
        jobs: [{ id: CRM_JOB_ID, name: 'crm load', status: 'SUCCESS' }],
      },
    ],
    appKeys: [APP_KEY],
    // Cancelled jobs flip to CANCEL at once, so waits end at the first poll.
    cancelDelayMs: 0,
  });
  const variables: Record<string, string> = {
    CELONIS_URL: emulator.url,
    CELONIS_SECRET_ID,
    CALLERS_SECRET_ID,
    POOLS: `demo=${DEMO_POOL_ID},crm=${CRM_POOL_ID},ghost=${GHOST_POOL_ID}`,
    AUTO_CANCEL_POOLS: 'demo',
    AUTO_CANCEL_DRY_RUN: 'false',
    NOTIFY_TOPIC_ARN: '',
    // The service's own limiter stays out of the way of the faults.
    CELONIS_MAX_RPS: '1000',
    LOG_LEVEL: 'WARN',
  };
  for (const [name, value] of Object.entries(variables)) {
    vi.stubEnv(name, value);
  }
  const secrets = mockClient(SecretsManagerClient);

  function reset(options: ResetOptions = {}): void {
    const [first = APP_KEY, ...later] = options.celonisSecrets ?? [];
    emulator.reset();
    secrets.reset();
    secrets
      .on(GetSecretValueCommand, { SecretId: CALLERS_SECRET_ID })
      .resolves({ SecretString: callersSecret(HARNESS_CALLERS) });
    let celonis = secrets.on(GetSecretValueCommand, {
      SecretId: CELONIS_SECRET_ID,
    });
    for (const value of [first, ...later].slice(0, -1)) {
      celonis = celonis.resolvesOnce({ SecretString: value });
    }
    celonis.resolves({ SecretString: later.at(-1) ?? first });
  }

  reset();

  return {
    emulator,
    secrets,
    reset,
    loadFunctions,
    celonisRequests: (route) =>
      emulator
        .requests()
        .filter((request) => route === undefined || request.route === route),
    celonisSecretReads: () =>
      secrets.commandCalls(GetSecretValueCommand, {
        SecretId: CELONIS_SECRET_ID,
      }).length,
    close: async () => {
      secrets.restore();
      vi.unstubAllEnvs();
      await emulator.close();
    },
  };
}

async function loadFunctions(): Promise<Functions> {
  vi.resetModules();
  const [status, cancel, autoCancel] = await Promise.all([
    import('../../functions/status.ts'),
    import('../../functions/cancel.ts'),
    import('../../functions/auto-cancel.ts'),
  ]);

  return {
    status: status.handler as unknown as HttpHandler,
    cancel: cancel.handler as unknown as HttpHandler,
    autoCancel: autoCancel.handler as unknown as EventHandler,
  };
}
