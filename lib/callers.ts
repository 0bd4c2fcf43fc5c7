/**
 * Callers of the HTTP routes and what each may do. The callers secret holds,
 * per caller, the SHA-256 of its bearer token, its scopes and its pools; no
 * plain token is stored anywhere. A presented token is hashed and compared
 * with every caller's hash in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { Pool } from './config.ts';
import {
  ConfigurationError,
  ForbiddenError,
  UnauthorizedError,
} from './errors.ts';
import { logger } from './logger.ts';
import { parseOnce, type SecretCache } from './secrets.ts';

export const SCOPES = ['jobs:read', 'jobs:cancel'] as const;

export type Scope = (typeof SCOPES)[number];

export interface Caller {
  name: string;
  scopes: readonly Scope[];
  /** Aliases or pool ids, or `*` for every configured pool. */
  pools: readonly string[];
}

interface StoredCaller extends Caller {
  tokenHash: Buffer;
}

const callersSecret = z.object({
  callers: z.array(
    z.object({
      name: z.string().trim().min(1).max(64),
      tokenSha256: z.string().regex(/^[0-9a-fA-F]{64}$/),
      scopes: z.array(z.enum(SCOPES)),
      pools: z.array(z.string().trim().min(1)),
    }),
  ),
});

/**
 * Reads the callers secret; a malformed one is a 500 problem and a log line
 * that says which entry is wrong, never a hash or a token.
 */
export function parseCallers(secret: string): StoredCaller[] {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    json = undefined;
  }
  const parsed = callersSecret.safeParse(json);
  if (!parsed.success) {
    logger.error('callers secret is malformed', {
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ),
      expected:
        '{"callers":[{"name","tokenSha256" (64 hex),"scopes":["jobs:read","jobs:cancel"],"pools":[alias|id|"*"]}]}',
    });
    throw new ConfigurationError('The callers secret is malformed.');
  }

  return parsed.data.callers.map((caller) => ({
    name: caller.name,
    scopes: caller.scopes,
    pools: caller.pools.map((pool) => pool.toLowerCase()),
    tokenHash: Buffer.from(caller.tokenSha256, 'hex'),
  }));
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');

  return match?.[1];
}

export class CallerRegistry {
  readonly #secrets: SecretCache;
  readonly #secretId: string;
  readonly #parse = parseOnce(parseCallers);

  constructor(secrets: SecretCache, secretId: string) {
    this.#secrets = secrets;
    this.#secretId = secretId;
  }

  /**
   * The caller whose token this is, or a 401.
   *
   * @example
   * const caller = await callers.authenticate(event.headers.authorization);
   */
  async authenticate(authorizationHeader: string | undefined): Promise<Caller> {
    const token = bearerToken(authorizationHeader);
    if (token === undefined) {
      throw new UnauthorizedError(
        'Send a token as "Authorization: Bearer <token>".',
      );
    }
    const callers = await this.#callers();
    const hash = hashToken(token);
    let found: StoredCaller | undefined;
    // Every hash is compared, so the time taken says nothing about which
    // caller, if any, came close.
    for (const caller of callers) {
      if (timingSafeEqual(hash, caller.tokenHash) && found === undefined) {
        found = caller;
      }
    }
    if (found === undefined) {
      throw new UnauthorizedError('The bearer token is not valid.');
    }

    return { name: found.name, scopes: found.scopes, pools: found.pools };
  }

  async #callers(): Promise<StoredCaller[]> {
    return this.#parse(await this.#secrets.get(this.#secretId));
  }
}

/** Throws a 403 unless the caller holds `scope`. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.includes(scope)) {
    throw new ForbiddenError(`This token lacks the scope ${scope}.`);
  }
}

/** Throws a 403 unless the caller may act on `pool`. */
export function requirePool(caller: Caller, pool: Pool): void {
  const granted = caller.pools.some(
    (entry) => entry === '*' || entry === pool.alias || entry === pool.id,
  );
  if (!granted) {
    throw new ForbiddenError(
      `This token does not grant the pool ${pool.alias}.`,
    );
  }
}
