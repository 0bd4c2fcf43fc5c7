/**
 * Secrets Manager reads with a per-container cache. A secret is read at
 * most once per `maxAgeMs`; concurrent requests share one read; a failed
 * read is not cached. `invalidate` drops a read the caller found to be
 * stale (Celonis rejected the key), so the next `get` reads it again, and
 * concurrent invalidations of the same read cause one re-read only, even
 * when the re-read finds the same value.
 */
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from './errors.ts';
import { logger } from './logger.ts';

export const SECRET_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * `parse`, remembering its last input and result (or error): a cached
 * secret is parsed once, and a malformed one logged once, not on every
 * request.
 *
 * @example
 * const parseCallersOnce = parseOnce(parseCallers);
 */
export function parseOnce<T>(parse: (secret: string) => T) {
  let last: { secret: string; result: T } | { secret: string; error: unknown };

  return (secret: string): T => {
    if (last?.secret !== secret) {
      try {
        last = { secret, result: parse(secret) };
      } catch (error) {
        last = { secret, error };
      }
    }
    if ('error' in last) {
      throw last.error;
    }

    return last.result;
  };
}

interface Entry {
  value: Promise<string>;
  readAt: number;
}

export interface SecretCacheOptions {
  client?: SecretsManagerClient;
  maxAgeMs?: number;
  now?: () => number;
}

export class SecretCache {
  readonly #client: SecretsManagerClient;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: SecretCacheOptions = {}) {
    this.#client =
      options.client ??
      new SecretsManagerClient({
        // The SDK waits forever by default; a hung read must end well
        // within the 29 s of an HTTP function.
        requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
        maxAttempts: 2,
      });
    this.#maxAgeMs = options.maxAgeMs ?? SECRET_MAX_AGE_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * @example
   * const key = await secrets.get(config.celonisSecretId);
   */
  get(secretId: string): Promise<string> {
    const entry = this.#entries.get(secretId);
    if (entry && this.#now() - entry.readAt < this.#maxAgeMs) {
      return entry.value;
    }
    const value = this.#read(secretId);
    this.#entries.set(secretId, { value, readAt: this.#now() });
    value.catch(() => {
      if (this.#entries.get(secretId)?.value === value) {
        this.#entries.delete(secretId);
      }
    });

    return value;
  }

  /**
   * Forgets `read`, a promise `get` answered, if it is still the cached
   * read of `secretId`. Reads are compared, not values: after a re-read
   * that found the same value, a late caller of the old read must not
   * cause another one.
   */
  invalidate(secretId: string, read: Promise<string>): void {
    if (this.#entries.get(secretId)?.value === read) {
      this.#entries.delete(secretId);
    }
  }

  async #read(secretId: string): Promise<string> {
    let secretString: string | undefined;
    try {
      const answer = await this.#client.send(
        new GetSecretValueCommand({ SecretId: secretId }),
      );
      secretString = answer.SecretString;
    } catch (error) {
      logger.error('secret read failed', {
        secretId,
        errorName: (error as Error).name,
      });
      throw new ConfigurationError('The service could not read its secrets.', {
        cause: error,
      });
    }
    if (secretString === undefined || secretString.trim() === '') {
      logger.error('secret has no string value', { secretId });
      throw new ConfigurationError('A secret of the service is empty.');
    }

    return secretString;
  }
}
