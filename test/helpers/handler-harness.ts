/**
 * The functions run in-process against the Celonis emulator, as the handler
 * tests, the fault table, the property tests and the AWS suite run them:
 * the emulator started, the functions' environment pointing at it, Secrets
 * Manager mocked at the client class (or left to the endpoint the
 * environment names, moto in the AWS suite), and each handler module
 * loaded afresh, with cold caches (secrets, callers, OAuth token, rate
 * limiter) as in a new Lambda container.
 *
 * Also what the handler tests assert with: the data the emulator holds,
 * events for the HTTP routes, and answers parsed for whole-response
 * assertions.
 */
import { readFileSync } from 'node:fs';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect, vi } from 'vitest';
import {
  type CelonisEmulator,
  type EmulatorOptions,
  type PoolSeed,
  type RecordedRequest,
  type RouteName,
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

/** `POOLS` for the demo and crm pools, plus any further `alias=id` pairs. */
export function poolsVariable(...extra: string[]): string {
  return [`demo=${DEMO_POOL_ID}`, `crm=${CRM_POOL_ID}`, ...extra].join(',');
}

/** The variables the functions read; each load sets exactly these. */
const FUNCTION_VARIABLES = [
  'CELONIS_URL',
  'CELONIS_SECRET_ID',
  'CALLERS_SECRET_ID',
  'POOLS',
  'AUTO_CANCEL_POOLS',
  'AUTO_CANCEL_DRY_RUN',
  'NOTIFY_TOPIC_ARN',
  'LOG_LEVEL',
  'CELONIS_MAX_RPS',
] as const;

/** The functions' environment; `CELONIS_URL` defaults to the emulator. */
export type FunctionEnv = Partial<
  Record<(typeof FUNCTION_VARIABLES)[number], string>
>;

/**
 * The handler tests' environment, and `extra`. The service's own request
 * limit is raised, since the emulator sets none unless a test asks for one
 * and the limit would only slow down a file of many short tests; a test of
 * the limit sets `CELONIS_MAX_RPS` itself.
 */
export function handlerEnv(extra: FunctionEnv = {}): FunctionEnv {
  return {
    CELONIS_SECRET_ID,
    CALLERS_SECRET_ID,
    POOLS: poolsVariable(),
    CELONIS_MAX_RPS: '1000',
    ...extra,
  };
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

/**
 * SecretString by SecretId. A list answers one read with each value, and
 * every further read with the last: two values make a rotation.
 */
export type SecretValues = Record<string, string | readonly string[]>;

/** The secrets the mocked Secrets Manager holds by default. */
export function defaultSecrets(): SecretValues {
  return {
    [CELONIS_SECRET_ID]: JSON.stringify({ appKey: APP_KEY }),
    [CALLERS_SECRET_ID]: callersSecret(HANDLER_CALLERS),
  };
}

/** Each SecretId of `secrets` answers its values; any other is not found. */
function stubSecrets(
  stub: AwsClientStub<SecretsManagerClient>,
  secrets: SecretValues,
): void {
  stub.reset();
  stub.on(GetSecretValueCommand).rejects(
    Object.assign(new Error("Secrets Manager can't find the secret."), {
      name: 'ResourceNotFoundException',
    }),
  );
  for (const [name, value] of Object.entries(secrets)) {
    const values = typeof value === 'string' ? [value] : value;
    const answer = (secretString: string | undefined) => ({
      ARN: `arn:aws:secretsmanager:eu-central-1:123456789012:secret:${name}-AbCdEf`,
      Name: name,
      SecretString: secretString,
      VersionId: '8d3f2c1b-4a5e-4f6d-9c7b-0a1e2d3c4b5a',
    });
    let reads = stub.on(GetSecretValueCommand, { SecretId: name });
    for (const once of values.slice(0, -1)) {
      reads = reads.resolvesOnce(answer(once));
    }
    reads.resolves(answer(values.at(-1)));
  }
}

const functionModules = {
  status: () => import('../../functions/status.ts'),
  cancel: () => import('../../functions/cancel.ts'),
  autoCancel: () => import('../../functions/auto-cancel.ts'),
};

export type FunctionName = keyof typeof functionModules;

/** The handler of each function. */
export type Functions = {
  [Name in FunctionName]: Awaited<
    ReturnType<(typeof functionModules)[Name]>
  >['handler'];
};

export interface HandlerHarnessOptions {
  /**
   * Default: the demo and crm pools, the test app key, and cancels that
   * take 200 ms, so waiting tests stay fast.
   */
  emulator?: EmulatorOptions;
  /** Default `handlerEnv()`. */
  env?: FunctionEnv;
  /**
   * What the mocked Secrets Manager holds; default `defaultSecrets()`.
   * `'emulator'`: the functions call the emulator's Secrets Manager, which
   * holds the `secrets` of its options. `'unmocked'`: they call the
   * endpoint the environment names (moto, in the AWS suite).
   */
  secrets?: SecretValues | 'emulator' | 'unmocked';
}

export interface ResetOptions {
  /** Until the next reset, these answers for their SecretIds. */
  secrets?: SecretValues;
}

export interface HandlerHarness {
  emulator: CelonisEmulator;
  /** The pools the emulator was seeded with, start dates included. */
  seeds: PoolSeed[];
  /**
   * A fresh copy of one function's handler, as in a new container, loaded
   * with the harness's environment and `env`.
   */
  load<Name extends FunctionName>(
    name: Name,
    env?: FunctionEnv,
  ): Promise<Functions[Name]>;
  /** Fresh copies of the three functions, sharing one load. */
  loadFunctions(env?: FunctionEnv): Promise<Functions>;
  /** Back to the seeds: no faults, no requests, no secret reads. */
  reset(options?: ResetOptions): void;
  /** Celonis requests the emulator saw, optionally of one route only. */
  celonisRequests(route?: RouteName): RecordedRequest[];
  /** How often the functions read the Celonis credentials secret. */
  celonisSecretReads(): number;
  /** Stops the emulator, the mock and the environment. */
  close(): Promise<void>;
}

/**
 * Starts the emulator; the environment is set by each load, since handler
 * modules read their configuration when they load.
 *
 * @example
 * const harness = await startHandlerHarness();
 * const handler = await harness.load('status');
 * const answer = await handler(routeEvent(...), lambdaContext());
 * await harness.close();
 */
export async function startHandlerHarness(
  options: HandlerHarnessOptions = {},
): Promise<HandlerHarness> {
  const emulatorOptions = options.emulator ?? {
    pools: [...demoPools(), crmPool()],
    appKeys: [APP_KEY],
    cancelDelayMs: 200,
  };
  const env = options.env ?? handlerEnv();
  const secrets =
    typeof options.secrets === 'string'
      ? undefined
      : (options.secrets ?? defaultSecrets());
  const emulator = await startCelonisEmulator(emulatorOptions);
  const stub = secrets && mockClient(SecretsManagerClient);

  function stubEnv(extra: FunctionEnv = {}): void {
    const variables: FunctionEnv = {
      CELONIS_URL: emulator.url,
      ...env,
      ...extra,
    };
    for (const name of FUNCTION_VARIABLES) {
      vi.stubEnv(name, variables[name]);
    }
    if (options.secrets === 'emulator') {
      vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', emulator.url);
    }
  }

  function mockSecrets(extra: SecretValues = {}): void {
    if (stub !== undefined) {
      stubSecrets(stub, { ...secrets, ...extra });
    }
  }

  mockSecrets();

  return {
    emulator,
    seeds: emulatorOptions.pools ?? [],
    load: async (name, extra) => {
      stubEnv(extra);
      vi.resetModules();

      return (await functionModules[name]()).handler as Functions[typeof name];
    },
    loadFunctions: async (extra) => {
      stubEnv(extra);
      vi.resetModules();
      const [status, cancel, autoCancel] = await Promise.all([
        functionModules.status(),
        functionModules.cancel(),
        functionModules.autoCancel(),
      ]);

      return {
        status: status.handler,
        cancel: cancel.handler,
        autoCancel: autoCancel.handler,
      };
    },
    reset: (resetOptions = {}) => {
      emulator.reset();
      mockSecrets(resetOptions.secrets);
    },
    celonisRequests: (route) => celonisRequests(emulator, route),
    celonisSecretReads: () => {
      if (stub === undefined) {
        throw new Error('Secrets Manager is not mocked: moto counts reads');
      }

      return stub.commandCalls(GetSecretValueCommand, {
        SecretId: env.CELONIS_SECRET_ID,
      }).length;
    },
    close: async () => {
      stub?.restore();
      vi.unstubAllEnvs();
      await emulator.close();
    },
  };
}

/** The requests that reached the emulator's Celonis routes (or `route`). */
export function celonisRequests(
  emulator: CelonisEmulator,
  route?: RouteName,
): RecordedRequest[] {
  return emulator
    .requests()
    .filter((entry) => entry.route !== 'secrets' && entry.route !== 'sns')
    .filter((entry) => route === undefined || entry.route === route);
}

/** The paths of the cancel requests Celonis received. */
export function cancelPaths(emulator: CelonisEmulator): string[] {
  return celonisRequests(emulator, 'cancel').map((entry) => entry.path);
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
 * pattern, since the README fixes what it names, not its words.
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
  { emulator, seeds }: Pick<HandlerHarness, 'emulator' | 'seeds'>,
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
