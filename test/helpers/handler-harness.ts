/**
 * What the handler tests share: a Celonis emulator with the demo pool and a
 * second pool, the functions' environment pointing at it, Secrets Manager
 * mocked with the test credentials, events for the HTTP routes, answers
 * parsed for whole-response assertions.
 *
 * Handler modules read their configuration when they load, so a test file
 * starts the emulator and sets the environment before it imports one.
 */
import { readFileSync } from 'node:fs';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { expect, vi } from 'vitest';
import {
  type CelonisEmulator,
  type EmulatorOptions,
  type PoolSeed,
  type RecordedRequest,
  startCelonisEmulator,
} from '../../emulator/celonis.ts';
import { DEMO_POOL_ID, demoPools } from '../../emulator/demo.ts';
import { type HttpEventOptions, httpEvent } from './events.ts';
import {
  APP_KEY,
  type CallerSpec,
  callersSecret,
  LEAK_MARKER,
  TEST_CALLERS,
} from './secrets.ts';

export const CELONIS_SECRET_ID = 'celonis-job-control/test/celonis';
export const CALLERS_SECRET_ID = 'celonis-job-control/test/callers';

export const CRM_POOL_ID = '7c3e9a10-4b2d-4e8f-9a1c-2d3e4f5a6b7c';
export const CRM_JOB_ID = '2f4e6a8c-0b1d-4f3e-8a5c-7e9b1d3f5a7c';
export const CRM_DATA_SOURCE_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

/** A pool alias that is well formed but not in `POOLS`. */
export const UNCONFIGURED_POOL = 'hr';
/** A job id that is well formed but in no pool of the emulator. */
export const UNKNOWN_JOB_ID = '00000000-1111-4222-8333-444444444444';

/** The second pool: a token for it must not reach the demo pool. */
export function crmPool(): PoolSeed {
  return {
    id: CRM_POOL_ID,
    name: 'Salesforce CRM',
    jobs: [
      {
        id: CRM_JOB_ID,
        name: 'Extract Salesforce Accounts',
        dataSourceId: CRM_DATA_SOURCE_ID,
        status: 'RUNNING',
        lastExecutionStartDate: '2026-12-03T22:10:00.000Z',
      },
    ],
  };
}

export interface HandlerEmulator {
  emulator: CelonisEmulator;
  /** The pools the emulator was seeded with, start dates included. */
  seeds: PoolSeed[];
}

/**
 * The emulator the handlers talk to: demo and crm pools (and any given),
 * the test app key, and a short cancel delay so waiting tests stay fast.
 */
export async function startHandlerEmulator(
  options: EmulatorOptions = {},
): Promise<HandlerEmulator> {
  const seeds = [...demoPools(), crmPool(), ...(options.pools ?? [])];
  const emulator = await startCelonisEmulator({
    appKeys: [APP_KEY],
    cancelDelayMs: 200,
    ...options,
    pools: seeds,
  });

  return { emulator, seeds };
}

/** `POOLS` for the demo and crm pools, plus any further `alias=id` pairs. */
export function poolsVariable(...extra: string[]): string {
  return [`demo=${DEMO_POOL_ID}`, `crm=${CRM_POOL_ID}`, ...extra].join(',');
}

/**
 * Sets the functions' environment for `emulator`; undo with
 * `vi.unstubAllEnvs()`. The service's own request limit is raised, since
 * the emulator sets none unless a test asks for one and the limit would
 * only slow down a file of many short tests; a test of the limit sets
 * `CELONIS_MAX_RPS` itself.
 */
export function stubHandlerEnv(
  emulator: CelonisEmulator,
  extra: Record<string, string> = {},
): void {
  const variables: Record<string, string> = {
    CELONIS_URL: emulator.url,
    CELONIS_SECRET_ID,
    CALLERS_SECRET_ID,
    POOLS: poolsVariable(),
    CELONIS_MAX_RPS: '1000',
    ...extra,
  };
  for (const [name, value] of Object.entries(variables)) {
    vi.stubEnv(name, value);
  }
}

/** A caller that may read and cancel in every configured pool. */
export const ADMIN_TOKEN = `admin-token-${LEAK_MARKER}`;
/** A caller granted the demo pool by its id, written in upper case. */
export const DEMO_BY_ID_TOKEN = `demo-by-id-token-${LEAK_MARKER}`;

/** The test callers, and two that name their pools as `*` and by id. */
export const HANDLER_CALLERS: CallerSpec[] = [
  ...TEST_CALLERS,
  {
    name: 'platform-admin',
    token: ADMIN_TOKEN,
    scopes: ['jobs:read', 'jobs:cancel'],
    pools: ['*'],
  },
  {
    name: 'demo-by-id',
    token: DEMO_BY_ID_TOKEN,
    scopes: ['jobs:read', 'jobs:cancel'],
    pools: [DEMO_POOL_ID.toUpperCase()],
  },
];

/** The secret strings the mocked Secrets Manager holds by default. */
export function defaultSecrets(): Record<string, string> {
  return {
    [CELONIS_SECRET_ID]: JSON.stringify({ appKey: APP_KEY }),
    [CALLERS_SECRET_ID]: callersSecret(HANDLER_CALLERS),
  };
}

/**
 * Mocks every Secrets Manager client: each SecretId of `secrets` answers
 * its string; any other is a ResourceNotFoundException.
 */
export function mockSecretsManager(
  secrets: Record<string, string> = defaultSecrets(),
) {
  const mock = mockClient(SecretsManagerClient);
  mock.on(GetSecretValueCommand).rejects(
    Object.assign(new Error("Secrets Manager can't find the secret."), {
      name: 'ResourceNotFoundException',
    }),
  );
  for (const [name, value] of Object.entries(secrets)) {
    mock.on(GetSecretValueCommand, { SecretId: name }).resolves({
      ARN: `arn:aws:secretsmanager:eu-central-1:123456789012:secret:${name}-AbCdEf`,
      Name: name,
      SecretString: value,
      VersionId: '8d3f2c1b-4a5e-4f6d-9c7b-0a1e2d3c4b5a',
    });
  }

  return mock;
}

/** The requests that reached the emulator's Celonis routes. */
export function celonisRequests(emulator: CelonisEmulator): RecordedRequest[] {
  return emulator
    .requests()
    .filter((entry) => entry.route !== 'secrets' && entry.route !== 'sns');
}

/** The paths of the cancel requests Celonis received. */
export function cancelPaths(emulator: CelonisEmulator): string[] {
  return emulator
    .requests()
    .filter((entry) => entry.route === 'cancel')
    .map((entry) => entry.path);
}

export function celonisCancelPath(poolId: string, jobId: string): string {
  return `/integration/api/pools/${poolId}/jobs/${jobId}/cancel`;
}

export type Route =
  | 'GET /pools/{pool}/jobs'
  | 'GET /pools/{pool}/jobs/{jobId}'
  | 'POST /pools/{pool}/jobs/{jobId}/cancel'
  | 'POST /pools/{pool}/cancel-running';

export type RouteOptions = Omit<
  HttpEventOptions,
  'path' | 'method' | 'routeKey'
>;

/**
 * An HTTP API event for `route`, as API Gateway sends it once the route
 * matched: path parameters decoded, the path encoded.
 */
export function routeEvent(
  route: Route,
  pathParameters: Record<string, string>,
  options: RouteOptions = {},
) {
  const [method = 'GET', template = '/'] = route.split(' ');
  const path = template.replaceAll(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(pathParameters[name] ?? ''),
  );

  return httpEvent({
    ...options,
    method,
    path,
    routeKey: route,
    pathParameters,
  });
}

export interface Answer {
  statusCode: number;
  headers: Record<string, string> | undefined;
  body: unknown;
}

interface RawAnswer {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
}

/** A handler's answer with its body parsed when it is JSON. */
export function parseAnswer(result: unknown): Answer {
  const { statusCode = 0, headers, body = '' } = result as RawAnswer;
  const type = String(headers?.['content-type'] ?? '');

  return {
    statusCode,
    headers: headers as Record<string, string> | undefined,
    body: type.includes('json') ? JSON.parse(body) : body,
  };
}

export const JSON_HEADERS = {
  'cache-control': 'no-store',
  'content-type': 'application/json',
};

const problemHeaders = {
  'cache-control': 'no-store',
  'content-type': 'application/problem+json',
};

const titles: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  500: 'Service misconfigured',
  502: 'Celonis error',
};

/**
 * The whole problem answer with `status`; `detail` is matched as a
 * pattern, since the contract fixes what it names, not its words.
 */
export function problem(
  status: number,
  detail: RegExp,
  extraHeaders: Record<string, string> = {},
): Answer {
  return {
    statusCode: status,
    headers: { ...problemHeaders, ...extraHeaders },
    body: {
      type: expect.stringMatching(/^\S+$/),
      title: titles[status],
      status,
      detail: expect.stringMatching(detail),
    },
  };
}

/** The 401 answer, with the challenge RFC 6750 asks for. */
export function unauthorized(): Answer {
  return problem(401, /token/i, { 'www-authenticate': 'Bearer' });
}

export const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

/** The start date the service shows for a seeded job. */
export function seededStart(
  seeds: PoolSeed[],
  poolId: string,
  jobId: string,
): string | null {
  const job = seeds
    .find((pool) => pool.id === poolId)
    ?.jobs.find((entry) => entry.id === jobId);
  const date = job?.lastExecutionStartDate;

  return date === undefined || date === null
    ? null
    : new Date(date).toISOString();
}

/** A job as the service shows it, from the emulator's current state. */
export function shownJob(
  { emulator, seeds }: HandlerEmulator,
  poolId: string,
  jobId: string,
) {
  const job = emulator.getJob(poolId, jobId);
  if (job === undefined) {
    throw new Error(`no job ${jobId} in pool ${poolId}`);
  }

  return {
    id: job.id,
    name: job.name,
    status: job.status,
    dataSourceId: job.dataSourceId,
    currentExecutionId: job.currentExecutionId,
    lastExecutionStartDate: seededStart(seeds, poolId, jobId),
  };
}

export interface WebhookBody {
  version: string;
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
  [field: string]: unknown;
}

/** A webhook body from `test/fixtures/webhooks/`, as a fresh object. */
export function webhookFixture(name: string): WebhookBody {
  const url = new URL(`../fixtures/webhooks/${name}.json`, import.meta.url);

  return JSON.parse(readFileSync(url, 'utf8')) as WebhookBody;
}
