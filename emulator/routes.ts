/**
 * The Celonis routes: the integration API under `/integration/api` and the
 * OAuth token endpoint at the root of the team URL.
 * @module
 */
import type { CredentialStore } from './auth.ts';
import { parseBasicAuthorization } from './auth.ts';
import { celonisError, type Exchange, replyJson, replyText } from './http.ts';
import type { JobStore } from './state.ts';
import type { TimerGroup } from './timers.ts';
import type { RouteName } from './types.ts';

interface RoutePattern {
  name: RouteName;
  method: string;
  /** Path segments; `:pool` and `:job` stand for ids. */
  segments: readonly string[];
}

const API = ['integration', 'api', 'pools'];

const ROUTE_PATTERNS: readonly RoutePattern[] = [
  { name: 'token', method: 'POST', segments: ['oauth2', 'token'] },
  { name: 'pools', method: 'GET', segments: API },
  { name: 'jobs', method: 'GET', segments: [...API, ':pool', 'jobs'] },
  {
    name: 'status',
    method: 'GET',
    segments: [...API, ':pool', 'logs', 'status'],
  },
  { name: 'job', method: 'GET', segments: [...API, ':pool', 'jobs', ':job'] },
  {
    name: 'cancel',
    method: 'POST',
    segments: [...API, ':pool', 'jobs', ':job', 'cancel'],
  },
];

export interface CelonisRoute {
  name: RouteName;
  poolId: string;
  jobId: string;
}

export interface RouteContext {
  store: JobStore;
  credentials: CredentialStore;
  timers: TimerGroup;
  cancelDelayMs(): number;
  cancelResponseDelayMs(): number;
}

function splitSegments(path: string): string[] | undefined {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function matchPattern(
  pattern: RoutePattern,
  segments: string[],
): CelonisRoute | undefined {
  if (segments.length !== pattern.segments.length) {
    return undefined;
  }
  const route: CelonisRoute = { name: pattern.name, poolId: '', jobId: '' };
  for (const [index, expected] of pattern.segments.entries()) {
    const actual = segments[index] ?? '';
    if (expected === ':pool' && actual !== '') {
      route.poolId = actual;
    } else if (expected === ':job' && actual !== '') {
      route.jobId = actual;
    } else if (expected !== actual) {
      return undefined;
    }
  }

  return route;
}

/** Finds the Celonis route of a request, if it is one. */
export function matchCelonisRoute(
  method: string,
  path: string,
): CelonisRoute | undefined {
  const segments = splitSegments(path);
  if (!segments) {
    return undefined;
  }
  for (const pattern of ROUTE_PATTERNS) {
    const route =
      pattern.method === method ? matchPattern(pattern, segments) : undefined;
    if (route) {
      return route;
    }
  }

  return undefined;
}

function replyNotFound(exchange: Exchange, what: string): void {
  replyJson(exchange, 404, celonisError(`${what} not found`, 'NOT_FOUND'));
}

function replyUnknownPool(exchange: Exchange, poolId: string): void {
  replyNotFound(exchange, `Data pool with id ${poolId}`);
}

/** Reads the client of a token request: HTTP Basic first, then the form. */
function readClient(
  exchange: Exchange,
  form: URLSearchParams,
): { clientId: string; clientSecret: string } | undefined {
  const basic = parseBasicAuthorization(exchange.req.headers.authorization);
  if (basic) {
    return basic;
  }
  const clientId = form.get('client_id');
  const clientSecret = form.get('client_secret');

  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

function answerToken(
  exchange: Exchange,
  body: string,
  context: RouteContext,
): void {
  const form = new URLSearchParams(body);
  const client = readClient(exchange, form);
  const token =
    client &&
    context.credentials.issueToken(
      client.clientId,
      client.clientSecret,
      form.get('scope') ?? undefined,
    );
  if (!token) {
    replyJson(exchange, 401, { error: 'invalid_client' });
    return;
  }
  if (form.get('grant_type') !== 'client_credentials') {
    replyJson(exchange, 400, { error: 'unsupported_grant_type' });
    return;
  }

  replyJson(exchange, 200, token, { 'cache-control': 'no-store' });
}

async function answerCancel(
  exchange: Exchange,
  route: CelonisRoute,
  context: RouteContext,
): Promise<void> {
  const { store } = context;
  if (!store.hasPool(route.poolId)) {
    replyUnknownPool(exchange, route.poolId);
    return;
  }
  const fails = store.cancelFails(route.poolId, route.jobId);
  if (fails === undefined) {
    replyNotFound(exchange, `Data job with id ${route.jobId}`);
    return;
  }
  if (fails) {
    replyJson(
      exchange,
      500,
      celonisError('Could not cancel the execution', 'INTERNAL_SERVER_ERROR'),
    );
    return;
  }
  store.requestCancel(route.poolId, route.jobId, context.cancelDelayMs());
  await context.timers.delay(context.cancelResponseDelayMs());

  replyText(exchange, 200, undefined, '');
}

function answerRead(
  exchange: Exchange,
  route: CelonisRoute,
  store: JobStore,
): void {
  if (route.name === 'pools') {
    replyJson(exchange, 200, store.listPools());
    return;
  }
  if (!store.hasPool(route.poolId)) {
    replyUnknownPool(exchange, route.poolId);
    return;
  }
  if (route.name === 'jobs') {
    replyJson(exchange, 200, store.listJobs(route.poolId));
    return;
  }
  if (route.name === 'status') {
    replyJson(exchange, 200, store.listStatuses(route.poolId));
    return;
  }
  const job = store.getJob(route.poolId, route.jobId);
  if (!job) {
    replyNotFound(exchange, `Data job with id ${route.jobId}`);
    return;
  }

  replyJson(exchange, 200, job);
}

/** Answers a request that passed faults, rate limit and authentication. */
export async function answerCelonisRoute(
  exchange: Exchange,
  route: CelonisRoute,
  body: string,
  context: RouteContext,
): Promise<void> {
  if (route.name === 'token') {
    answerToken(exchange, body, context);
    return;
  }
  if (route.name === 'cancel') {
    await answerCancel(exchange, route, context);
    return;
  }

  answerRead(exchange, route, context.store);
}
