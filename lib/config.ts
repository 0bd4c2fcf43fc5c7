/**
 * The functions' configuration, read from the environment once, when the
 * module loads. A missing or malformed variable throws a
 * `ConfigVariableError` naming it, so a bad deploy fails at cold start
 * instead of answering 500 later.
 */
import { ConfigVariableError } from './errors.ts';
import { isAlias, isUuid, normaliseUuid } from './ids.ts';

export interface Pool {
  id: string;
  alias: string;
}

export interface Config {
  /** The team URL's origin, e.g. `https://acme.eu-1.celonis.cloud`. */
  celonisUrl: string;
  celonisSecretId: string;
  callersSecretId: string | undefined;
  pools: readonly Pool[];
  autoCancelPools: readonly Pool[];
  autoCancelDryRun: boolean;
  notifyTopicArn: string | undefined;
  /** Requests per second the service allows itself towards Celonis. */
  celonisMaxRps: number;
}

export interface ConfigNeeds {
  callers?: boolean;
}

type Env = Record<string, string | undefined>;

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * @example
 * const config = loadConfig(process.env, { callers: true });
 */
export function loadConfig(env: Env, needs: ConfigNeeds = {}): Config {
  const pools = readPools(env);

  return {
    celonisUrl: readTeamUrl(env),
    celonisSecretId: readRequired(env, 'CELONIS_SECRET_ID'),
    callersSecretId: needs.callers
      ? readRequired(env, 'CALLERS_SECRET_ID')
      : env.CALLERS_SECRET_ID,
    pools,
    autoCancelPools: readPoolList(env, 'AUTO_CANCEL_POOLS', pools),
    autoCancelDryRun: readBoolean(env, 'AUTO_CANCEL_DRY_RUN', false),
    notifyTopicArn: readTopicArn(env),
    celonisMaxRps: readPositiveNumber(env, 'CELONIS_MAX_RPS', 20),
  };
}

/** Finds a configured pool by alias or id; undefined when not configured. */
export function findPool(
  pools: readonly Pool[],
  aliasOrId: string,
): Pool | undefined {
  const key = isUuid(aliasOrId) ? normaliseUuid(aliasOrId) : aliasOrId;

  return pools.find((pool) => pool.alias === key || pool.id === key);
}

function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();

  return value ? value : undefined;
}

function readRequired(env: Env, name: string): string {
  const value = readOptional(env, name);
  if (value === undefined) {
    throw new ConfigVariableError(name, 'is required but not set');
  }

  return value;
}

function readTeamUrl(env: Env): string {
  const raw = readRequired(env, 'CELONIS_URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigVariableError(
      'CELONIS_URL',
      'is not a URL; expected https://<team>.<realm>.celonis.cloud',
    );
  }
  const loopback = isLoopback(url.hostname);
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new ConfigVariableError(
      'CELONIS_URL',
      'must use https (plain http only for localhost or 127.0.0.1)',
    );
  }

  return url.origin;
}

function readPools(env: Env): Pool[] {
  const raw = readRequired(env, 'POOLS');
  const pools = splitList(raw).map((pair) => parsePoolPair(pair));
  if (pools.length === 0) {
    throw new ConfigVariableError(
      'POOLS',
      'names no pool; expected alias=poolId,...',
    );
  }
  assertUnique(
    pools.map((pool) => pool.alias),
    'alias',
  );
  assertUnique(
    pools.map((pool) => pool.id),
    'pool id',
  );

  return pools;
}

function parsePoolPair(pair: string): Pool {
  const [alias = '', id = '', ...rest] = pair.split('=').map((s) => s.trim());
  if (rest.length > 0 || !isAlias(alias) || !isUuid(id)) {
    throw new ConfigVariableError(
      'POOLS',
      `"${pair}" is not alias=poolId (alias: 1-64 of a-z 0-9 - _; id: a UUID)`,
    );
  }

  return { alias, id: normaliseUuid(id) };
}

function assertUnique(values: string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) {
      throw new ConfigVariableError('POOLS', `${what} ${value} appears twice`);
    }
    seen.add(value);
  }
}

function readPoolList(env: Env, name: string, pools: Pool[]): Pool[] {
  const raw = readOptional(env, name);
  if (raw === undefined) {
    return [];
  }

  return splitList(raw).map((entry) => {
    const pool = findPool(pools, entry);
    if (pool === undefined) {
      throw new ConfigVariableError(name, `"${entry}" is not a pool in POOLS`);
    }

    return pool;
  });
}

function readTopicArn(env: Env): string | undefined {
  const raw = readOptional(env, 'NOTIFY_TOPIC_ARN');
  if (
    raw !== undefined &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(raw)
  ) {
    throw new ConfigVariableError(
      'NOTIFY_TOPIC_ARN',
      'is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    );
  }

  return raw;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readOptional(env, name)?.toLowerCase();
  if (raw === undefined) {
    return fallback;
  }
  if (raw !== 'true' && raw !== 'false') {
    throw new ConfigVariableError(name, 'must be true or false');
  }

  return raw === 'true';
}

function readPositiveNumber(env: Env, name: string, fallback: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigVariableError(name, 'must be a positive number');
  }

  return value;
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}
