/**
 * Injected failures: a queue of faults consumed in the order they were
 * added, and the broken answers they produce.
 * @module
 */
import {
  celonisError,
  type Exchange,
  gatewayPage,
  type Headers,
  replyHtml,
  replyJson,
  replyText,
  webAppPage,
} from './http.ts';
import type { Fault, RouteName } from './types.ts';

export interface FaultQueue {
  add(fault: Fault): void;
  clear(): void;
  /** Takes the first fault that applies to `route`, counting it down. */
  take(route: RouteName): Fault | undefined;
}

export function createFaultQueue(): FaultQueue {
  const faults: Fault[] = [];

  function take(route: RouteName): Fault | undefined {
    const index = faults.findIndex(
      (fault) =>
        fault.route === undefined ||
        fault.route === '*' ||
        fault.route === route,
    );
    const fault = faults[index];
    if (!fault) {
      return undefined;
    }
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) {
        faults.splice(index, 1);
      }
    }

    return fault;
  }

  return {
    add: (fault) => {
      faults.push({ ...fault });
    },
    clear: () => {
      faults.length = 0;
    },
    take,
  };
}

const GATEWAY_REASONS: Record<string, string> = {
  '502': 'Bad Gateway',
  '503': 'Service Temporarily Unavailable',
  '504': 'Gateway Time-out',
};

// Cut in the middle of a value, like a connection dropped by a proxy that
// had already sent the headers.
const TRUNCATED_ARRAY =
  '[{"id":"0bae5839-6921-46dc-8d0f-3294ecd6b3fd","name":"main job","sta';
const TRUNCATED_OBJECT =
  '{"id":"0bae5839-6921-46dc-8d0f-3294ecd6b3fd","name":"main job","sta';

function isListRoute(route: RouteName): boolean {
  return route === 'jobs' || route === 'status' || route === 'pools';
}

function answerRateLimitFault(
  exchange: Exchange,
  fault: Fault,
  limit: number | null,
): void {
  const body = celonisError('Rate limit exceeded', 'TOO_MANY_REQUESTS');
  if (fault.kind === '429-no-headers') {
    replyJson(exchange, 429, body);
    return;
  }
  const headers: Headers = {
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(fault.retryAfterSeconds ?? 1),
  };
  if (limit !== null) {
    headers['x-ratelimit-limit'] = String(limit);
  }

  replyJson(exchange, 429, body, headers);
}

function answerAuthFault(
  exchange: Exchange,
  status: 401 | 403,
  route: RouteName,
): void {
  if (route === 'token') {
    const error = status === 401 ? 'invalid_client' : 'unauthorized_client';
    replyJson(exchange, status, { error });
    return;
  }
  const body =
    status === 401
      ? celonisError('Authentication required', 'UNAUTHORIZED')
      : celonisError('Access to this resource is denied', 'FORBIDDEN');

  replyJson(exchange, status, body);
}

/** Answers `exchange` the broken way `fault` describes. */
export function answerFault(
  exchange: Exchange,
  fault: Fault,
  route: RouteName,
  limit: number | null,
): void {
  switch (fault.kind) {
    case '429':
    case '429-no-headers':
      answerRateLimitFault(exchange, fault, limit);
      return;
    case '500':
      replyJson(
        exchange,
        500,
        celonisError('An unexpected error occurred', 'INTERNAL_SERVER_ERROR'),
      );
      return;
    case '502':
    case '503':
    case '504': {
      const status = Number(fault.kind);
      replyHtml(
        exchange,
        status,
        gatewayPage(status, GATEWAY_REASONS[fault.kind] ?? ''),
      );
      return;
    }
    case 'hang':
      // No answer at all: the socket stays open until the client gives up
      // or the emulator closes.
      return;
    case 'reset':
      exchange.req.socket.destroy();
      return;
    case 'html':
      replyHtml(exchange, 200, webAppPage());
      return;
    case 'empty':
      replyText(exchange, 200, 'application/json', '');
      return;
    case 'wrong-shape':
      replyJson(exchange, 200, { unexpected: true });
      return;
    case 'truncated': {
      const text = isListRoute(route) ? TRUNCATED_ARRAY : TRUNCATED_OBJECT;
      replyText(exchange, 200, 'application/json', text);
      return;
    }
    case '401':
    case '403':
      answerAuthFault(exchange, fault.kind === '401' ? 401 : 403, route);
      return;
  }
}
