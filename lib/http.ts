/**
 * Everything HTTP about the routes: the one place where errors become
 * `application/problem+json` answers, JSON and text answers, reading path,
 * query and body, and `createHttpHandler`, the middy pipeline every route
 * runs through (logger context, authentication before anything else, scope
 * and pool checks, one access line per request).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { Caller, Scope } from './callers.ts';
import { requirePool, requireScope } from './callers.ts';
import { findPool, type Pool } from './config.ts';
import { Deadline } from './deadline.ts';
import { BadRequestError, NotFoundError, ServiceError } from './errors.ts';
import { isAlias, isUuid } from './ids.ts';
import { logger } from './logger.ts';
import type { HttpServices } from './services.ts';

export interface HttpResult extends APIGatewayProxyStructuredResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface RouteRequest {
  event: APIGatewayProxyEventV2;
  caller: Caller;
  pool: Pool;
  deadline: Deadline;
}

export type Route = (request: RouteRequest) => Promise<HttpResult>;

// Job status is live data, and answers may name a caller's pools.
const baseHeaders = { 'cache-control': 'no-store' };

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { ...baseHeaders, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function textResponse(statusCode: number, text: string): HttpResult {
  return {
    statusCode,
    headers: { ...baseHeaders, 'content-type': 'text/plain; charset=utf-8' },
    body: text,
  };
}

/**
 * The one place errors become answers. A `ServiceError` shows its own
 * detail; anything else is an unexpected fault and shows nothing of itself.
 */
export function problemResponse(error: unknown): HttpResult {
  const known =
    error instanceof ServiceError
      ? error
      : new ServiceError(
          500,
          'Internal error',
          'The service failed unexpectedly; the request id in the logs tells more.',
        );

  return {
    statusCode: known.statusCode,
    headers: {
      ...baseHeaders,
      'content-type': 'application/problem+json',
      ...known.headers,
    },
    body: JSON.stringify({
      type: known.type,
      title: known.title,
      status: known.statusCode,
      detail: known.message,
    }),
  };
}

/** A header's value, whatever the case of its name. */
export function header(
  event: APIGatewayProxyEventV2,
  name: string,
): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);

  return key === undefined ? undefined : headers[key];
}

/** The configured pool a `{pool}` path segment names, or a 400 or 404. */
export function resolvePool(
  pools: readonly Pool[],
  raw: string | undefined,
): Pool {
  const value = raw ?? '';
  if (!isAlias(value) && !isUuid(value)) {
    throw new BadRequestError(
      'pool: expected a pool alias (1-64 of a-z, 0-9, - and _) or a pool id (UUID).',
    );
  }
  const pool = findPool(pools, value);
  if (pool === undefined) {
    throw new NotFoundError(`Pool ${value} is not configured in this service.`);
  }

  return pool;
}

/** A `{jobId}` path segment, or a 400. */
export function parseJobId(raw: string | undefined): string {
  if (raw === undefined || !isUuid(raw)) {
    throw new BadRequestError('jobId: expected a data job id (UUID).');
  }

  return raw.toLowerCase();
}

/** The query string, after refusing any parameter the route does not know. */
export function readQuery(
  event: APIGatewayProxyEventV2,
  known: readonly string[],
): Record<string, string | undefined> {
  const query = event.queryStringParameters ?? {};
  const unknown = Object.keys(query).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const accepted = known.length > 0 ? known.join(', ') : 'none';
    throw new BadRequestError(
      `Unknown query parameter ${unknown.join(', ')}; accepted: ${accepted}.`,
    );
  }

  return query;
}

/** A number of seconds in `[0, max]`, or the default when absent. */
export function readSeconds(
  name: string,
  raw: string | undefined,
  max: number,
  fallback: number,
): number {
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= max)) {
    throw new BadRequestError(`${name}: expected seconds from 0 to ${max}.`);
  }

  return value;
}

/** `true` or `false`, or the default when absent. */
export function readBoolean(
  name: string,
  raw: string | undefined,
  fallback: boolean,
): boolean {
  if (raw === undefined) {
    return fallback;
  }
  if (raw !== 'true' && raw !== 'false') {
    throw new BadRequestError(`${name}: expected true or false.`);
  }

  return raw === 'true';
}

/** The JSON body, `undefined` when empty, or a 400 when it is not JSON. */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  if (raw.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new BadRequestError('body: expected JSON.');
  }
}

export interface HttpHandlerOptions {
  services: HttpServices;
  scope: Scope;
  /** Time kept back from the Lambda's remaining time to send the answer. */
  marginMs?: number;
}

/**
 * @example
 * export const handler = createHttpHandler(
 *   { services, scope: 'jobs:read' },
 *   async ({ pool, deadline }) => jsonResponse(200, { pool }),
 * );
 */
export function createHttpHandler(options: HttpHandlerOptions, route: Route) {
  const { services, scope } = options;
  const handle = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<HttpResult> => {
    const startedAt = Date.now();
    const deadline = Deadline.fromRemaining(
      context.getRemainingTimeInMillis(),
      options.marginMs,
    );
    let response: HttpResult;
    try {
      const caller = await services.callers.authenticate(
        header(event, 'authorization'),
      );
      logger.appendKeys({ caller: caller.name });
      requireScope(caller, scope);
      const pool = resolvePool(
        services.config.pools,
        event.pathParameters?.pool,
      );
      requirePool(caller, pool);
      response = await route({ event, caller, pool, deadline });
    } catch (error) {
      logError(error);
      response = problemResponse(error);
    }
    logger.info('request handled', {
      method: event.requestContext?.http?.method,
      path: event.rawPath,
      status: response.statusCode,
      durationMs: Date.now() - startedAt,
    });

    return response;
  };

  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(handle);
}

function logError(error: unknown): void {
  if (!(error instanceof ServiceError)) {
    logger.error('request failed unexpectedly', describeUnexpected(error));
    return;
  }
  if (error.statusCode >= 500) {
    logger.error('request failed', {
      status: error.statusCode,
      detail: error.message,
      cause: describeCause(error.cause),
    });
  }
}

// The name and code of a lower-level cause (an SDK or network error),
// never its message or properties: an error about a request may quote the
// request, its Authorization header included.
function describeCause(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) {
    return undefined;
  }
  const code = (cause.cause as { code?: unknown } | undefined)?.code;

  return typeof code === 'string' ? `${cause.name} (${code})` : cause.name;
}

// Where an unexpected error came from, without its message.
function describeUnexpected(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { errorType: typeof error };
  }
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 8)
    .map((line) => line.trim());

  return { errorName: error.name, stack: frames };
}
