/**
 * `npm start`: the whole service on http://localhost:3000 through
 * serverless-offline (stage `local`), with the Celonis emulator in this
 * process serving the demo pool, the Secrets Manager secrets and SNS.
 *
 * With CELONIS_URL, POOLS and a key (CELONIS_APP_KEY, CELONIS_API_KEY, or
 * CELONIS_CLIENT_ID and CELONIS_CLIENT_SECRET, optionally CELONIS_SCOPE) in
 * the environment it serves that real team instead; the emulator then only
 * holds the local secrets. PORT (3000) and LAMBDA_PORT (3002) move the
 * ports.
 *
 * Every start creates a new random token for the caller `demo-operator`
 * and prints curl commands that use it. Ctrl-C stops everything.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { startCelonisEmulator } from '../emulator/celonis.ts';
import {
  DEMO_JOB_IDS,
  DEMO_POOL_ID,
  demoAppKey,
  demoPools,
} from '../emulator/demo.ts';
import type { CelonisEmulator } from '../emulator/types.ts';
import {
  answers,
  type Env,
  offlineEnv,
  REGION,
  spawnOffline,
  stopProcessGroup,
  waitUntilAnswering,
} from './local-stack.ts';
import { createCaller } from './token.ts';

const CELONIS_SECRET = 'celonis-job-control/local/celonis';
const CALLERS_SECRET = 'celonis-job-control/local/callers';
const NOTIFY_TOPIC_ARN = `arn:aws:sns:${REGION}:000000000000:celonis-job-control-local`;
const CALLER_NAME = 'demo-operator';
const READY_TIMEOUT_MS = 120_000;

/** Where the functions find Celonis, and how they sign in. */
interface Target {
  demo: boolean;
  celonisUrl?: string;
  pools: string;
  /** The secret string of the Celonis credentials. */
  credentials: string;
}

interface Caller {
  token: string;
  secret: string;
}

function log(message: string): void {
  console.log(`[start] ${message}`);
}

/** The real team named by the environment, or the emulated demo team. */
function readTarget(env: Env): Target {
  const credentials = readCredentials(env);
  if (!env.CELONIS_URL && credentials === undefined && !env.POOLS) {
    return {
      demo: true,
      pools: `demo=${DEMO_POOL_ID}`,
      credentials: JSON.stringify({ appKey: demoAppKey }),
    };
  }
  if (!env.CELONIS_URL || credentials === undefined || !env.POOLS) {
    throw new Error(
      'to serve a real team set CELONIS_URL, POOLS and CELONIS_APP_KEY, ' +
        'CELONIS_API_KEY, or CELONIS_CLIENT_ID and CELONIS_CLIENT_SECRET; ' +
        'set none of them for the demo',
    );
  }

  return {
    demo: false,
    celonisUrl: env.CELONIS_URL,
    pools: env.POOLS,
    credentials,
  };
}

/** The secret string for the first kind of key the environment holds. */
function readCredentials(env: Env): string | undefined {
  if (env.CELONIS_APP_KEY) {
    return JSON.stringify({ appKey: env.CELONIS_APP_KEY });
  }
  if (env.CELONIS_API_KEY) {
    return JSON.stringify({ apiKey: env.CELONIS_API_KEY });
  }
  if (env.CELONIS_CLIENT_ID && env.CELONIS_CLIENT_SECRET) {
    return JSON.stringify({
      clientId: env.CELONIS_CLIENT_ID,
      clientSecret: env.CELONIS_CLIENT_SECRET,
      ...(env.CELONIS_SCOPE ? { scope: env.CELONIS_SCOPE } : {}),
    });
  }

  return undefined;
}

/** A fresh token, and the callers secret that holds only its hash. */
function createDemoCaller(): Caller {
  const { token, entry } = createCaller({
    name: CALLER_NAME,
    scopes: 'jobs:read,jobs:cancel',
    pools: '*',
  });

  return { token, secret: JSON.stringify({ callers: [entry] }) };
}

function startEmulator(target: Target, caller: Caller) {
  return startCelonisEmulator({
    pools: target.demo ? demoPools() : [],
    appKeys: target.demo ? [demoAppKey] : [],
    secrets: {
      [CELONIS_SECRET]: target.credentials,
      [CALLERS_SECRET]: caller.secret,
    },
  });
}

/** What serverless offline and the functions get for `target`. */
function targetEnv(target: Target, emulatorUrl: string, port: number): Env {
  return offlineEnv(process.env, {
    emulatorUrl,
    celonisUrl: target.celonisUrl,
    port,
    pools: target.pools,
    autoCancelPools:
      process.env.AUTO_CANCEL_POOLS ?? (target.demo ? 'demo' : ''),
    celonisSecretId: CELONIS_SECRET,
    callersSecretId: CALLERS_SECRET,
    notifyTopicArn: NOTIFY_TOPIC_ARN,
  });
}

function printDemoCommands(
  base: string,
  token: string,
  lambdaPort: string,
  emulatorUrl: string,
) {
  const auth = `-H "Authorization: Bearer ${token}"`;
  const pool = `${base}/pools/demo`;
  const autoCancel =
    `http://localhost:${lambdaPort}/2015-03-31/functions/` +
    'celonis-job-control-local-autoCancel/invocations';

  console.log(`
Service ready on ${base}, caller ${CALLER_NAME} (token valid until Ctrl-C).

List the demo pool's data jobs:
  curl -s ${auth} ${pool}/jobs
The same as a table:
  curl -s ${auth} -H "Accept: text/plain" ${pool}/jobs
One job:
  curl -s ${auth} ${pool}/jobs/${DEMO_JOB_IDS.extractP2P}
Cancel a running job and wait up to 10 s for it to stop:
  curl -s -X POST ${auth} -H "Content-Type: application/json" -d '{"reason":"trying npm start"}' "${pool}/jobs/${DEMO_JOB_IDS.extractO2C}/cancel?wait=10"
What cancel-running would cancel (dry run):
  curl -s -X POST ${auth} "${pool}/cancel-running?dryRun=true"
Run the scheduled auto-cancel once, as a dry run:
  curl -s -X POST -d '{"dryRun":true}' ${autoCancel}
The summaries it published (the emulator stands in for SNS):
  curl -s ${emulatorUrl}/_emulator/published
PowerShell:
  curl.exe -s ${auth} ${pool}/jobs
`);
}

function printTeamCommands(base: string, token: string, pools: string) {
  const auth = `-H "Authorization: Bearer ${token}"`;
  const alias = pools.split(',')[0]?.split('=')[0]?.trim() ?? '';
  const pool = `${base}/pools/${alias}`;

  console.log(`
Service ready on ${base} for your Celonis team, caller ${CALLER_NAME}
(token valid until Ctrl-C). These commands only read; a cancel acts on
your real data jobs.

List the data jobs of pool ${alias}:
  curl -s ${auth} ${pool}/jobs
The same as a table:
  curl -s ${auth} -H "Accept: text/plain" ${pool}/jobs
What cancel-running would cancel (dry run):
  curl -s -X POST ${auth} "${pool}/cancel-running?dryRun=true"
PowerShell:
  curl.exe -s ${auth} ${pool}/jobs
`);
}

/**
 * Stops serverless offline, then the emulator, then this process: on
 * Ctrl-C or SIGTERM with `code` 0, or 1 when offline ends by itself.
 */
function stopTogether(child: ChildProcess, emulator: CelonisEmulator) {
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log('stopping');
    await stopProcessGroup(child);
    await emulator.close();
    process.exit(code);
  };
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  child.once('exit', () => {
    if (!stopping) {
      console.error('[start] serverless offline exited');
    }
    stop(1);
  });

  return stop;
}

async function main(): Promise<void> {
  const target = readTarget(process.env);
  const port = Number(process.env.PORT ?? 3000);
  const base = `http://localhost:${port}`;
  if (await answers(base)) {
    throw new Error(`port ${port} is in use; stop that server or set PORT`);
  }
  const caller = createDemoCaller();

  log(target.demo ? 'starting emulator' : 'starting local secrets');
  const emulator = await startEmulator(target, caller);
  log(`starting serverless offline (stage local, port ${port})`);
  const child = spawnOffline(targetEnv(target, emulator.url, port), {
    stdio: 'inherit',
  });
  const stop = stopTogether(child, emulator);

  try {
    await waitUntilAnswering(base, child, { timeoutMs: READY_TIMEOUT_MS });
  } catch (error) {
    console.error(`[start] ${(error as Error).message}`);
    await stop(1);
    return;
  }
  log('ready');
  if (target.demo) {
    printDemoCommands(
      base,
      caller.token,
      process.env.LAMBDA_PORT ?? '3002',
      emulator.url,
    );
  } else {
    printTeamCommands(base, caller.token, target.pools);
  }
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
