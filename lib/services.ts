/**
 * The long-lived parts of a container, built once from the configuration:
 * the secret cache, the rate limiter, the Celonis client and the callers.
 * Tests build their own with a different `fetch` or Secrets Manager client.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CallerRegistry } from './callers.ts';
import { CelonisClient } from './celonis.ts';
import { CelonisHttp, type CelonisHttpOptions } from './celonis-http.ts';
import type { Config } from './config.ts';
import { CelonisAuth } from './credentials.ts';
import { ConfigVariableError } from './errors.ts';
import { RateLimiter } from './rate-limiter.ts';
import { SecretCache } from './secrets.ts';

export interface Services {
  config: Config;
  secrets: SecretCache;
  celonis: CelonisClient;
}

export interface HttpServices extends Services {
  callers: CallerRegistry;
}

export interface ServiceOverrides {
  secretsClient?: SecretsManagerClient;
  http?: Partial<Omit<CelonisHttpOptions, 'baseUrl' | 'limiter'>>;
}

export function createServices(
  config: Config,
  overrides: ServiceOverrides = {},
): Services {
  const secrets = new SecretCache(
    overrides.secretsClient ? { client: overrides.secretsClient } : {},
  );
  const http = new CelonisHttp({
    baseUrl: config.celonisUrl,
    limiter: new RateLimiter(config.celonisMaxRps),
    ...overrides.http,
  });
  const auth = new CelonisAuth({
    secretId: config.celonisSecretId,
    secrets,
    http,
  });

  return { config, secrets, celonis: new CelonisClient(http, auth) };
}

export function createHttpServices(
  config: Config,
  overrides: ServiceOverrides = {},
): HttpServices {
  const services = createServices(config, overrides);
  if (config.callersSecretId === undefined) {
    throw new ConfigVariableError(
      'CALLERS_SECRET_ID',
      'is required but not set',
    );
  }

  return {
    ...services,
    callers: new CallerRegistry(services.secrets, config.callersSecretId),
  };
}
