/**
 * What `npm start` and the tests that run the whole service share: the
 * environment serverless offline gets for the `local` stage, and
 * serverless offline in a process group of its own, started, awaited until
 * it answers, and stopped.
 * @module
 */
import {
  type ChildProcess,
  type StdioOptions,
  spawn,
} from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REGION = 'eu-central-1';

const SERVERLESS_BIN = fileURLToPath(
  new URL('../node_modules/serverless/bin/serverless.js', import.meta.url),
);
const STOP_TIMEOUT_MS = 5_000;

export type Env = Record<string, string | undefined>;

/** Celonis keys and AWS credentials: they stay in this process. */
const KEY_VARIABLES = [
  'CELONIS_APP_KEY',
  'CELONIS_API_KEY',
  'CELONIS_CLIENT_ID',
  'CELONIS_CLIENT_SECRET',
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
];

export interface OfflineEnvOptions {
  /** The emulator: Secrets Manager, SNS and, unless `celonisUrl`, Celonis. */
  emulatorUrl: string;
  /** A real team's URL, to serve it instead of the emulator's Celonis. */
  celonisUrl?: string;
  /** The HTTP API's port. */
  port: number;
  /** The `POOLS` variable: `alias=id` pairs. */
  pools: string;
  /** Absent: whatever the base environment holds. */
  autoCancelPools?: string;
  celonisSecretId: string;
  callersSecretId: string;
  notifyTopicArn: string;
}

/**
 * What serverless offline and the functions need (the `local` stage reads
 * it), on top of `base`. The keys themselves stay in this process: the
 * functions read them from the emulator's Secrets Manager.
 *
 * @example
 * const env = offlineEnv(process.env, {
 *   emulatorUrl: emulator.url,
 *   port: 3000,
 *   pools: 'demo=3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
 *   celonisSecretId: 'celonis-job-control/local/celonis',
 *   callersSecretId: 'celonis-job-control/local/callers',
 *   notifyTopicArn: 'arn:aws:sns:eu-central-1:000000000000:local',
 * });
 */
export function offlineEnv(base: Env, options: OfflineEnvOptions): Env {
  const env = { ...base };
  for (const name of KEY_VARIABLES) {
    delete env[name];
  }

  return {
    ...env,
    PORT: String(options.port),
    CELONIS_URL: options.celonisUrl ?? options.emulatorUrl,
    POOLS: options.pools,
    ...(options.autoCancelPools !== undefined && {
      AUTO_CANCEL_POOLS: options.autoCancelPools,
    }),
    CELONIS_SECRET_ID: options.celonisSecretId,
    CALLERS_SECRET_ID: options.callersSecretId,
    NOTIFY_TOPIC_ARN: options.notifyTopicArn,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.emulatorUrl,
    AWS_ENDPOINT_URL_SNS: options.emulatorUrl,
    // The emulator checks no signature; real credentials must not be sent.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
}

export interface SpawnOfflineOptions {
  stdio: StdioOptions;
  /** The address to listen on; absent: serverless offline's own. */
  host?: string;
}

/**
 * `serverless offline --stage local` in its own process group, so one
 * signal stops it and its workers; stop it with `stopProcessGroup`.
 */
export function spawnOffline(
  env: Env,
  options: SpawnOfflineOptions,
): ChildProcess {
  const host = options.host === undefined ? [] : ['--host', options.host];

  return spawn(
    process.execPath,
    [SERVERLESS_BIN, 'offline', '--stage', 'local', ...host],
    { cwd: REPO_DIR, env, detached: true, stdio: options.stdio },
  );
}

/** True when something answers HTTP on `url` within a second. */
export async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });

    return true;
  } catch {
    return false;
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** What the process wrote, to quote the end of in an error. */
  output?: () => string;
}

/** Resolves once `url` answers; throws when `child` ends or time is up. */
export async function waitUntilAnswering(
  url: string,
  child: ChildProcess,
  options: WaitOptions,
): Promise<void> {
  const tail = () =>
    options.output ? `:\n${options.output().slice(-3_000)}` : '';
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `serverless offline stopped before it was ready${tail()}`,
      );
    }
    if (await answers(url)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  throw new Error(
    `serverless offline did not answer on ${url} in time${tail()}`,
  );
}

/** SIGTERM to the group, SIGKILL when it is still there after a while. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(
    () => signalGroup(child, 'SIGKILL'),
    STOP_TIMEOUT_MS,
  );
  await exited;
  clearTimeout(timer);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) {
      process.kill(-child.pid, signal);
    }
  } catch {
    // The group has ended already.
  }
}
