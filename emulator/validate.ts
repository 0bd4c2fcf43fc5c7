/**
 * Checks of the JSON bodies the control endpoints receive, so a mistake in
 * a test or benchmark shows as a 400 naming the field instead of a broken
 * emulator state.
 * @module
 */
import { EmulatorError } from './http.ts';
import {
  type Credentials,
  type EmulatorSettings,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  JOB_STATUSES,
  type JobSeed,
  type JobStatus,
  type OAuthClient,
  type PoolSeed,
  ROUTE_NAMES,
  type RouteName,
} from './types.ts';

type Fields = Record<string, unknown>;

function invalid(message: string): EmulatorError {
  return new EmulatorError(400, message);
}

function expectObject(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${what} must be a JSON object`);
  }

  return value as Fields;
}

function expectString(fields: Fields, key: string): string {
  const value = fields[key];
  if (typeof value !== 'string' || value === '') {
    throw invalid(`${key} must be a non-empty string`);
  }

  return value;
}

function optionalNumber(fields: Fields, key: string): number | undefined {
  const value = fields[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(`${key} must be a number of at least 0`);
  }

  return value;
}

function optionalBoolean(fields: Fields, key: string): boolean | undefined {
  const value = fields[key];
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalid(`${key} must be true or false`);
  }

  return value;
}

function optionalStrings(fields: Fields, key: string): string[] | undefined {
  const value = fields[key];
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalid(`${key} must be an array of strings`);
  }

  return value;
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  key: string,
): T {
  if (!allowed.includes(value as T)) {
    throw invalid(`${key} must be one of ${allowed.join(', ')}`);
  }

  return value as T;
}

export function parseJobStatus(value: unknown): JobStatus | null {
  return value === null ? null : oneOf(value, JOB_STATUSES, 'status');
}

function parseDate(value: unknown): number | string | null | undefined {
  if (value === undefined || value === null) {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'string') {
    return value;
  }

  throw invalid('lastExecutionStartDate must be epoch ms or an ISO string');
}

function parseDataSourceId(value: unknown): string | null | undefined {
  if (value === undefined || value === null || typeof value === 'string') {
    return value;
  }

  throw invalid('dataSourceId must be a string or null');
}

export function parseJobSeed(value: unknown): JobSeed {
  const fields = expectObject(value, 'a job');
  const status = fields.status;

  return {
    id: expectString(fields, 'id'),
    name: expectString(fields, 'name'),
    dataSourceId: parseDataSourceId(fields.dataSourceId),
    status: status === undefined ? undefined : parseJobStatus(status),
    lastExecutionStartDate: parseDate(fields.lastExecutionStartDate),
    stubborn: optionalBoolean(fields, 'stubborn'),
    cancelFails: optionalBoolean(fields, 'cancelFails'),
  };
}

export function parsePoolSeed(value: unknown): PoolSeed {
  const fields = expectObject(value, 'a pool');
  const jobs = fields.jobs ?? [];
  if (!Array.isArray(jobs)) {
    throw invalid('jobs must be an array');
  }

  return {
    id: expectString(fields, 'id'),
    name: expectString(fields, 'name'),
    jobs: jobs.map(parseJobSeed),
  };
}

export function parseStatusChange(value: unknown): JobStatus | null {
  const fields = expectObject(value, 'the body');
  if (!('status' in fields)) {
    throw invalid('status is required (null: never ran)');
  }

  return parseJobStatus(fields.status);
}

export function parseFault(value: unknown): Fault {
  const fields = expectObject(value, 'a fault');
  const route = fields.route;
  const times = optionalNumber(fields, 'times');
  if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
    throw invalid('times must be a whole number of at least 1');
  }

  return {
    route:
      route === undefined || route === '*'
        ? route
        : oneOf<RouteName>(route, ROUTE_NAMES, 'route'),
    kind: oneOf<FaultKind>(fields.kind, FAULT_KINDS, 'kind'),
    times,
    retryAfterSeconds: optionalNumber(fields, 'retryAfterSeconds'),
  };
}

export function parseSettings(value: unknown): EmulatorSettings {
  const fields = expectObject(value, 'the settings');
  const rateLimit = fields.rateLimitPerSecond;

  return {
    latencyMs: optionalNumber(fields, 'latencyMs'),
    rateLimitPerSecond:
      rateLimit === null ? null : optionalNumber(fields, 'rateLimitPerSecond'),
    cancelDelayMs: optionalNumber(fields, 'cancelDelayMs'),
    cancelResponseDelayMs: optionalNumber(fields, 'cancelResponseDelayMs'),
  };
}

function parseOAuthClient(value: unknown): OAuthClient {
  const fields = expectObject(value, 'an OAuth client');

  return {
    clientId: expectString(fields, 'clientId'),
    clientSecret: expectString(fields, 'clientSecret'),
    tokenTtlSeconds: optionalNumber(fields, 'tokenTtlSeconds'),
  };
}

export function parseCredentials(value: unknown): Credentials {
  const fields = expectObject(value, 'the credentials');
  const clients = fields.oauthClients;
  if (clients !== undefined && !Array.isArray(clients)) {
    throw invalid('oauthClients must be an array');
  }

  return {
    appKeys: optionalStrings(fields, 'appKeys'),
    apiKeys: optionalStrings(fields, 'apiKeys'),
    oauthClients: clients?.map(parseOAuthClient),
  };
}

export function parseSecret(value: unknown): { name: string; value: string } {
  const fields = expectObject(value, 'a secret');
  if (typeof fields.value !== 'string') {
    throw invalid('value must be a string');
  }

  return { name: expectString(fields, 'name'), value: fields.value };
}
