/**
 * The whole service as `npm start` runs it, for tests that call it over
 * HTTP: the Celonis emulator in this process (Celonis, Secrets Manager and
 * SNS on one port) and `serverless offline --stage local` in a process
 * group of its own, on free loopback ports, with its output kept for
 * assertions instead of printed.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { startCelonisEmulator } from '../../emulator/celonis.ts';
import type { CelonisEmulator, PoolSeed } from '../../emulator/types.ts';
import {
  type Env,
  offlineEnv,
  REGION,
  spawnOffline,
  stopProcessGroup,
  waitUntilAnswering,
} from '../../scripts/local-stack.ts';
import { APP_KEY, type CallerSpec, callersSecret } from './secrets.ts';

export { REPO_DIR } from '../../scripts/local-stack.ts';

const CELONIS_SECRET = 'celonis-job-control/test/celonis';
const CALLERS_SECRET = 'celonis-job-control/test/callers';
const READY_TIMEOUT_MS = 90_000;

/** Variables that would point the service at a real team or account. */
const OUTSIDE_VARIABLES = [
  'CELONIS_URL',
  'CELONIS_APP_KEY',
  'CELONIS_API_KEY',
  'CELONIS_CLIENT_ID',
  'CELONIS_CLIENT_SECRET',
  'CELONIS_SCOPE',
  'POOLS',
  'AUTO_CANCEL_POOLS',
  'AUTO_CANCEL_DRY_RUN',
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
];

/**
 * serverless-esbuild rebuilds on a change of a source file and restarts
 * every function, failing the requests in flight with a 500; a test must
 * not depend on nobody saving a file meanwhile. serverless.yml reads this.
 */
export const NO_RELOAD = { OFFLINE_WATCH: 'off' } as const;

export interface OfflineStackOptions {
  /** The pools the emulator holds. */
  pools: PoolSeed[];
  /** The `POOLS` variable: alias -> pool id. */
  aliases: Record<string, string>;
  callers: CallerSpec[];
  /** Time from a cancel to status CANCEL in the emulator. */
  cancelDelayMs?: number;
}

/** One JSON line the functions logged. */
export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

export interface OfflineStack {
  emulator: CelonisEmulator;
  /** The HTTP API, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  /** Everything serverless offline wrote to stdout and stderr so far. */
  output(): string;
  /** The JSON lines the functions logged so far. */
  logLines(): LogLine[];
  /** Waits until the functions logged a line that `matches`. */
  waitForLog(
    matches: (line: LogLine) => boolean,
    timeoutMs?: number,
  ): Promise<LogLine>;
  stop(): Promise<void>;
}

/**
 * `count` different TCP ports that nothing listens on at the moment of
 * asking: all are held open until every one is known.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(async (server) => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const address = server.address();
      if (address === null || typeof address === 'string') {
        throw new Error('the operating system gave no port');
      }

      return address.port;
    }),
  );
  await Promise.all(
    servers.map((server) => new Promise((done) => server.close(done))),
  );

  return ports;
}

export async function freePort(): Promise<number> {
  const [port = 0] = await freePorts(1);

  return port;
}

/** True when a server can listen on `port` (no one holds it). */
export async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port);
    await once(server, 'listening');
    server.close();
    await once(server, 'close');

    return true;
  } catch {
    return false;
  }
}

/** The environment of this process without anything aimed elsewhere. */
export function localEnv(extra: Record<string, string>): Env {
  const env: Env = { ...process.env };
  for (const name of OUTSIDE_VARIABLES) {
    delete env[name];
  }

  return { ...env, ...extra };
}

/**
 * Starts the emulator and serverless offline and resolves once the HTTP API
 * answers. The caller must `stop()` it, also when a test fails.
 */
export async function startOfflineStack(
  options: OfflineStackOptions,
): Promise<OfflineStack> {
  const emulator = await startCelonisEmulator({
    pools: options.pools,
    appKeys: [APP_KEY],
    cancelDelayMs: options.cancelDelayMs ?? 1_000,
    secrets: {
      [CELONIS_SECRET]: JSON.stringify({ appKey: APP_KEY }),
      [CALLERS_SECRET]: callersSecret(options.callers),
    },
  });
  try {
    const [port = 0, lambdaPort = 0] = await freePorts(2);
    const env = stackEnv(emulator.url, options.aliases, port, lambdaPort);

    return await startOffline(emulator, env, port);
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/** What scripts/start.ts gives serverless offline, with the test's ports. */
function stackEnv(
  emulatorUrl: string,
  aliases: Record<string, string>,
  port: number,
  lambdaPort: number,
): Env {
  const pools = Object.entries(aliases).map(([alias, id]) => `${alias}=${id}`);
  const base = localEnv({
    LAMBDA_PORT: String(lambdaPort),
    LOG_LEVEL: 'INFO',
    ...NO_RELOAD,
  });

  return offlineEnv(base, {
    emulatorUrl,
    port,
    pools: pools.join(','),
    celonisSecretId: CELONIS_SECRET,
    callersSecretId: CALLERS_SECRET,
    notifyTopicArn: `arn:aws:sns:${REGION}:000000000000:job-control-test`,
  });
}

async function startOffline(
  emulator: CelonisEmulator,
  env: Env,
  port: number,
): Promise<OfflineStack> {
  // 127.0.0.1 rather than "localhost", which may resolve to ::1 elsewhere.
  const child = spawnOffline(env, {
    host: '127.0.0.1',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const url = `http://127.0.0.1:${port}`;
  const logLines = () => parseLogLines(output());
  const stop = async () => {
    await stopProcessGroup(child);
    await emulator.close();
  };

  try {
    await waitUntilAnswering(url, child, {
      timeoutMs: READY_TIMEOUT_MS,
      output,
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    emulator,
    url,
    output,
    logLines,
    waitForLog: (matches, timeoutMs = 10_000) =>
      poll(() => logLines().find(matches), timeoutMs, 'log line'),
    stop,
  };
}

/** What `child` has written to stdout and stderr so far, as it arrives. */
export function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: unknown) => {
    output += String(chunk);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  return () => output;
}

function parseLogLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) {
      continue;
    }
    try {
      const line = JSON.parse(text) as Partial<LogLine>;
      if (typeof line.message === 'string') {
        lines.push(line as LogLine);
      }
    } catch {
      // Not a log line of the functions.
    }
  }

  return lines;
}

/** Resolves to the first defined value of `probe`, checked every 100 ms. */
export async function poll<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`no ${what} within ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

/** The last lines of a process's output, for a failed test's report. */
export function lastLines(output: string, count = 40): string {
  return output.trimEnd().split('\n').slice(-count).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
