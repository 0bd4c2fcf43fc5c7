/**
 * The service's own Celonis credentials, from the `CELONIS_SECRET_ID`
 * secret. Four shapes are accepted: plain text (an application key),
 * `{ appKey }`, `{ apiKey }` and `{ clientId, clientSecret, scope? }` (OAuth
 * client credentials). An OAuth access token is reused until shortly before
 * it expires. After Celonis rejects a credential, `reject` drops it so the
 * next call reads the secret again: a rotated key heals without a redeploy.
 */
import * as z from 'zod';
import type { CelonisHttp } from './celonis-http.ts';
import type { Deadline } from './deadline.ts';
import { CelonisError, ConfigurationError } from './errors.ts';
import { logger } from './logger.ts';
import { parseOnce, type SecretCache } from './secrets.ts';

export type CelonisCredentials =
  | { kind: 'appKey'; appKey: string }
  | { kind: 'apiKey'; apiKey: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string; scope: string };

export const DEFAULT_OAUTH_SCOPE = 'integration.data-pools';

const nonEmpty = z.string().trim().min(1);

// A key goes into an HTTP header as it is: a line break or other control
// character would be refused there, by an error that quotes the header.
const headerSafe = nonEmpty.regex(/^[\x21-\x7e]+$/);

const secretShapes = z.union([
  z.object({ appKey: headerSafe }).strict(),
  z.object({ apiKey: headerSafe }).strict(),
  z
    .object({
      clientId: nonEmpty,
      clientSecret: nonEmpty,
      scope: nonEmpty.optional(),
    })
    .strict(),
]);

const tokenAnswer = z.object({
  access_token: z.string().regex(/^[\x21-\x7e]+$/),
  expires_in: z.coerce.number().positive().optional(),
});

const ACCEPTED_SHAPES =
  'plain text (an application key), {"appKey"}, {"apiKey"}, or {"clientId", "clientSecret", "scope"?}; keys of visible ASCII characters only';

/**
 * Reads the credentials from a secret string; throws a 500 problem whose
 * log line names the accepted shapes and never the values.
 *
 * @example
 * parseCelonisSecret('{"apiKey":"abc"}'); // { kind: 'apiKey', apiKey: 'abc' }
 */
export function parseCelonisSecret(secret: string): CelonisCredentials {
  const text = secret.trim();
  // Application keys are base64-like text, so JSON-looking text is never one.
  const parsed =
    text.startsWith('{') || text.startsWith('[')
      ? secretShapes.safeParse(parseJson(text))
      : secretShapes.safeParse({ appKey: text });
  if (!parsed.success) {
    logger.error('celonis secret has an unknown shape', {
      acceptedShapes: ACCEPTED_SHAPES,
    });
    throw new ConfigurationError(
      'The Celonis credentials secret has an unknown shape.',
    );
  }
  const value = parsed.data;
  if ('appKey' in value) {
    return { kind: 'appKey', appKey: value.appKey };
  }
  if ('apiKey' in value) {
    return { kind: 'apiKey', apiKey: value.apiKey };
  }

  return {
    kind: 'oauth',
    clientId: value.clientId,
    clientSecret: value.clientSecret,
    scope: value.scope ?? DEFAULT_OAUTH_SCOPE,
  };
}

// OAuth 2.0 (RFC 6749, 2.3.1) form-encodes the client id and secret before
// HTTP Basic; a secret with `+`, `%` or `:` is refused otherwise.
function formEncode(value: string): string {
  return encodeURIComponent(value).replaceAll('%20', '+');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface CelonisAuthOptions {
  secretId: string;
  secrets: SecretCache;
  http: CelonisHttp;
  now?: () => number;
}

interface CachedToken {
  /** The secret string the token was obtained with. */
  secret: string;
  authorization: string;
  renewAt: number;
}

/** An `Authorization` value and the secret read it came from. */
export interface Authorization {
  header: string;
  read: Promise<string>;
}

export class CelonisAuth {
  readonly #options: CelonisAuthOptions;
  readonly #now: () => number;
  #token: Promise<CachedToken> | undefined;
  // A cached secret is parsed, and a bad one logged, once per value.
  readonly #credentials = parseOnce(parseCelonisSecret);

  constructor(options: CelonisAuthOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * @example
   * const { header } = await auth.authorization(deadline);
   */
  async authorization(deadline: Deadline): Promise<Authorization> {
    const read = this.#options.secrets.get(this.#options.secretId);
    const secret = await read;
    const credentials = this.#credentials(secret);
    if (credentials.kind === 'appKey') {
      return { header: `AppKey ${credentials.appKey}`, read };
    }
    if (credentials.kind === 'apiKey') {
      return { header: `Bearer ${credentials.apiKey}`, read };
    }
    const token = await this.#oauthToken(secret, credentials, deadline).catch(
      (error: unknown) => {
        throw error instanceof OAuthRefusalError
          ? new OAuthRejectedError(error.status, read)
          : error;
      },
    );

    return { header: token.authorization, read };
  }

  /** Celonis refused `used`: read the secret and fetch a token anew. */
  async reject(used: Authorization): Promise<void> {
    const token = await this.#token?.catch(() => undefined);
    if (token?.authorization === used.header) {
      this.#token = undefined;
    }
    this.#options.secrets.invalidate(this.#options.secretId, used.read);
  }

  #oauthToken(
    secret: string,
    credentials: Extract<CelonisCredentials, { kind: 'oauth' }>,
    deadline: Deadline,
  ): Promise<CachedToken> {
    const current = this.#token;
    if (current !== undefined) {
      return current.then((token) =>
        token.secret === secret && this.#now() < token.renewAt
          ? token
          : this.#renew(secret, credentials, deadline, current),
      );
    }

    return this.#renew(secret, credentials, deadline, current);
  }

  // Concurrent callers that find the same stale token share one renewal.
  #renew(
    secret: string,
    credentials: Extract<CelonisCredentials, { kind: 'oauth' }>,
    deadline: Deadline,
    stale: Promise<CachedToken> | undefined,
  ): Promise<CachedToken> {
    if (this.#token !== stale && this.#token !== undefined) {
      return this.#token;
    }
    const fresh = this.#requestToken(secret, credentials, deadline);
    this.#token = fresh;
    fresh.catch(() => {
      if (this.#token === fresh) {
        this.#token = undefined;
      }
    });

    return fresh;
  }

  async #requestToken(
    secret: string,
    credentials: Extract<CelonisCredentials, { kind: 'oauth' }>,
    deadline: Deadline,
  ): Promise<CachedToken> {
    const basic = Buffer.from(
      `${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`,
    ).toString('base64');
    const startedAt = this.#now();
    const answer = await this.#options.http.send({
      method: 'POST',
      path: '/oauth2/token',
      endpoint: 'POST /oauth2/token',
      deadline,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: credentials.scope,
      }).toString(),
    });
    if (answer.status === 401 || answer.status === 403) {
      throw new OAuthRefusalError(answer.status);
    }
    const token = tokenAnswer.safeParse(
      answer.status === 200 ? parseJson(answer.text) : undefined,
    );
    if (!token.success) {
      throw new CelonisError(
        `Celonis (POST /oauth2/token) answered HTTP ${answer.status} without an access token.`,
      );
    }
    const lifetimeMs = (token.data.expires_in ?? 300) * 1000;
    const marginMs = Math.min(60_000, lifetimeMs / 2);
    logger.debug('celonis oauth token obtained', { expiresInMs: lifetimeMs });

    return {
      secret,
      authorization: `Bearer ${token.data.access_token}`,
      renewAt: startedAt + lifetimeMs - marginMs,
    };
  }
}

// A token request that several callers may share failed; each caller
// turns it into an `OAuthRejectedError` that names its own secret read.
class OAuthRefusalError extends Error {
  readonly status: number;

  constructor(status: number) {
    super(`Celonis refused the OAuth client credentials (HTTP ${status}).`);
    this.status = status;
  }
}

/**
 * The token endpoint refused the client id and secret. The secret read is
 * kept in a private field, out of reach of anything that logs the error.
 */
export class OAuthRejectedError extends Error {
  readonly status: number;
  readonly #read: Promise<string>;

  constructor(status: number, read: Promise<string>) {
    super(`Celonis refused the OAuth client credentials (HTTP ${status}).`);
    this.name = 'OAuthRejectedError';
    this.status = status;
    this.#read = read;
  }

  /** What to hand to `CelonisAuth.reject`. */
  authorization(): Authorization {
    return { header: '', read: this.#read };
  }
}
