/**
 * The Celonis side of the service (secret cache, HTTP layer, credentials,
 * client) wired the way `lib/services.ts` wires it, but pointed at a test
 * Celonis and with retries that do not wait. Secrets Manager is whatever
 * the test mocked with aws-sdk-client-mock.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CelonisClient } from '../../lib/celonis.ts';
import { CelonisHttp } from '../../lib/celonis-http.ts';
import { CelonisAuth } from '../../lib/credentials.ts';
import { RateLimiter } from '../../lib/rate-limiter.ts';
import { SecretCache } from '../../lib/secrets.ts';

export const CELONIS_SECRET_ID = 'celonis-job-control/celonis';

export interface CelonisStackOptions {
  /** The team URL, e.g. an emulator's `url`. */
  url: string;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface CelonisStack {
  secrets: SecretCache;
  http: CelonisHttp;
  auth: CelonisAuth;
  client: CelonisClient;
}

export function createCelonisStack(options: CelonisStackOptions): CelonisStack {
  const now = options.now ?? Date.now;
  const secrets = new SecretCache({
    client: new SecretsManagerClient({}),
    now,
  });
  const http = new CelonisHttp({
    baseUrl: options.url,
    limiter: new RateLimiter(1_000),
    attemptTimeoutMs: 2_000,
    sleep: async () => undefined,
    ...(options.fetch && { fetch: options.fetch }),
  });
  const auth = new CelonisAuth({
    secretId: CELONIS_SECRET_ID,
    secrets,
    http,
    now,
  });

  return { secrets, http, auth, client: new CelonisClient(http, auth) };
}

export interface WireRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A `fetch` that records what goes on the wire, then sends it. */
export function recordingFetch(): {
  fetch: typeof fetch;
  requests: WireRequest[];
} {
  const requests: WireRequest[] = [];
  const recording = (async (
    input: string | URL | Request,
    init?: RequestInit,
  ) => {
    requests.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? init.body : undefined,
    });

    return fetch(input, init);
  }) as typeof fetch;

  return { fetch: recording, requests };
}
