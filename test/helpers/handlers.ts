/**
 * Loads a function's handler module afresh, as a cold start does: the
 * modules read their configuration from the environment when they load,
 * so each configuration needs its own load.
 */
import { vi } from 'vitest';

type StatusHandler = typeof import('../../functions/status.ts')['handler'];
type AutoCancelHandler =
  typeof import('../../functions/auto-cancel.ts')['handler'];

/** The variables of the contract's configuration table, and two optional ones. */
export interface FunctionEnv {
  CELONIS_URL: string;
  CELONIS_SECRET_ID: string;
  POOLS: string;
  CALLERS_SECRET_ID?: string;
  AUTO_CANCEL_POOLS?: string;
  AUTO_CANCEL_DRY_RUN?: string;
  NOTIFY_TOPIC_ARN?: string;
  LOG_LEVEL?: string;
  CELONIS_MAX_RPS?: string;
}

const variables: readonly (keyof FunctionEnv)[] = [
  'CELONIS_URL',
  'CELONIS_SECRET_ID',
  'POOLS',
  'CALLERS_SECRET_ID',
  'AUTO_CANCEL_POOLS',
  'AUTO_CANCEL_DRY_RUN',
  'NOTIFY_TOPIC_ARN',
  'LOG_LEVEL',
  'CELONIS_MAX_RPS',
];

/** Sets exactly `env`: a variable of an earlier load does not linger. */
function setFunctionEnv(env: FunctionEnv): void {
  for (const name of variables) {
    const value = env[name];
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
}

/**
 * @example
 * const handler = await coldStartStatus({ CELONIS_URL, ... });
 * const answer = await handler(httpEvent({ ... }), lambdaContext());
 */
export async function coldStartStatus(
  env: FunctionEnv,
): Promise<StatusHandler> {
  setFunctionEnv(env);
  vi.resetModules();

  return (await import('../../functions/status.ts')).handler;
}

export async function coldStartAutoCancel(
  env: FunctionEnv,
): Promise<AutoCancelHandler> {
  setFunctionEnv(env);
  vi.resetModules();

  return (await import('../../functions/auto-cancel.ts')).handler;
}
