/**
 * Secrets Manager reads with a per-container cache. A secret is read at
 * most once per `maxAgeMs`; concurrent requests share one read; a failed
 * read is not cached. `invalidate` drops a value the caller found to be
 * stale (Celonis rejected the key), so the next `get` reads it again, and
 * concurrent invalidations of the same value cause one re-read only.
 */
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from './errors.ts';
import { logger } from './logger.ts';

export const SECRET_MAX_AGE_MS = 5 * 60 * 1000;

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
    this.#client = options.client ?? new SecretsManagerClient({});
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
    value.catch(() => this.#entries.delete(secretId));

    return value;
  }

  /** Forgets `value` if it is still the cached value of `secretId`. */
  async invalidate(secretId: string, value: string): Promise<void> {
    const entry = this.#entries.get(secretId);
    if (entry === undefined) {
      return;
    }
    const cached = await entry.value.catch(() => undefined);
    if (cached === value && this.#entries.get(secretId) === entry) {
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
