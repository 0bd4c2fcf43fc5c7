/**
 * A real Prometheus Alertmanager on a loopback port, for end-to-end tests
 * of the monitoring route: the caller gives the configuration, the token
 * goes into a file of its own, clustering is off.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectOutput, freePort, poll } from './offline.ts';

const READY_TIMEOUT_MS = 30_000;

export interface AlertmanagerOptions {
  /** The bearer token, written to a file of its own. */
  token: string;
  /** alertmanager.yml, given the path of the token's file. */
  config: (tokenFile: string) => string | Promise<string>;
}

export interface Alert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export interface Alertmanager {
  url: string;
  /** `POST /api/v2/alerts`, as Prometheus sends them. */
  postAlerts(alerts: Alert[]): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** The binary: $ALERTMANAGER_BIN, else the Debian or upstream name. */
export function findAlertmanager(): string {
  const candidates = [
    process.env.ALERTMANAGER_BIN,
    'prometheus-alertmanager',
    'alertmanager',
  ];
  for (const candidate of candidates) {
    if (candidate && isRunnable(candidate)) {
      return candidate;
    }
  }

  throw new Error(
    'Prometheus Alertmanager is missing: run the e2e tests with ' +
      '`npm run test:e2e` (as root it installs the Debian package ' +
      'prometheus-alertmanager), install that package yourself, or set ' +
      'ALERTMANAGER_BIN.',
  );
}

function isRunnable(binary: string): boolean {
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore' });

    return true;
  } catch {
    return false;
  }
}

export async function startAlertmanager(
  options: AlertmanagerOptions,
): Promise<Alertmanager> {
  const binary = findAlertmanager();
  const dir = await mkdtemp(join(tmpdir(), 'job-control-alertmanager-'));
  const tokenFile = join(dir, 'token');
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(tokenFile, options.token, { mode: 0o600 });
  await writeFile(configFile, await options.config(tokenFile));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address turns clustering off.
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = collectOutput(child);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await poll(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`alertmanager exited:\n${output().slice(-3_000)}`);
        }
        const ready = await fetch(`${url}/-/ready`).catch(() => undefined);

        return ready?.ok ? true : undefined;
      },
      READY_TIMEOUT_MS,
      'ready answer from alertmanager',
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    postAlerts: (alerts) => postAlerts(url, alerts),
    output,
    stop,
  };
}

async function postAlerts(url: string, alerts: Alert[]): Promise<void> {
  const response = await fetch(`${url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (!response.ok) {
    throw new Error(
      `alertmanager refused the alerts: ${response.status} ${await response.text()}`,
    );
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
