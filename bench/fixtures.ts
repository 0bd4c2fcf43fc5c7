/**
 * What every benchmark shares: the emulated team (a pool of 20 data jobs,
 * like a mid-sized SAP extraction pool), the secrets, a caller token, and
 * the environment a function gets. The environment is built from scratch,
 * so no AWS profile or endpoint of the machine can reach a function: every
 * call goes to the emulator on 127.0.0.1.
 * @module
 */
import { createHash } from 'node:crypto';
import type { JobSeed, JobStatus, PoolSeed } from '../emulator/types.ts';

export const REGION = 'eu-central-1';
export const CELONIS_SECRET_ID = 'celonis-job-control/bench/celonis';
export const CALLERS_SECRET_ID = 'celonis-job-control/bench/callers';
export const APP_KEY = 'bench-app-key';
/** What the direct `fetch` baseline signs in with, to tell its calls apart. */
export const DIRECT_API_KEY = 'bench-direct-api-key';
export const CALLER_TOKEN = 'bench-operator-token';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:000000000000:bench`;

export const POOL_ALIAS = 'bench';
export const POOL_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
/** The job the cancel benchmarks aim at; it stays RUNNING throughout. */
export const CANCEL_JOB_ID = '6f1c2a3b-0000-4000-8000-000000000000';

/** Effectively never: repeated cancels then find the job still RUNNING. */
export const NEVER_MS = 24 * 60 * 60 * 1000;

const STATUS_CYCLE: JobStatus[] = ['SUCCESS', 'SUCCESS', 'FAIL', 'QUEUED'];

/** A UUID that encodes `pool` and `job`, so runs are reproducible. */
export function jobId(pool: number, job: number): string {
  const hex = (value: number, width: number) =>
    value.toString(16).padStart(width, '0');

  return `${hex(pool, 8)}-${hex(job, 4)}-4000-8000-${hex(pool * 1000 + job, 12)}`;
}

export function poolId(pool: number): string {
  return `${pool.toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-dddddddddddd`;
}

/** The warm, cold and memory pool: 20 jobs, one of them the cancel target. */
export function benchPool(): PoolSeed {
  const jobs: JobSeed[] = Array.from({ length: 19 }, (_, index) => ({
    id: jobId(1, index),
    name: `Extract SAP ECC table ${index + 1}`,
    dataSourceId: '3702de43-b181-4b5b-90da-87e056ce7616',
    status: STATUS_CYCLE[index % STATUS_CYCLE.length] ?? 'SUCCESS',
    lastExecutionStartDate: Date.now() - index * 60_000,
  }));
  jobs.push({
    id: CANCEL_JOB_ID,
    name: 'Extract SAP ECC P2P',
    dataSourceId: '3702de43-b181-4b5b-90da-87e056ce7616',
    status: 'RUNNING',
    lastExecutionStartDate: Date.now(),
  });

  return { id: POOL_ID, name: 'Bench pool', jobs };
}

/** `count` pools of `jobsPerPool` RUNNING jobs each, for autoCancel. */
export function runningPools(count: number, jobsPerPool: number): PoolSeed[] {
  return Array.from({ length: count }, (_, pool) => ({
    id: poolId(pool + 1),
    name: `Pool ${pool + 1}`,
    jobs: Array.from({ length: jobsPerPool }, (_, job) => ({
      id: jobId(pool + 1, job),
      name: `Job ${job + 1} of pool ${pool + 1}`,
      status: 'RUNNING' as const,
      lastExecutionStartDate: Date.now(),
    })),
  }));
}

export function callersSecret(): string {
  const tokenSha256 = createHash('sha256').update(CALLER_TOKEN).digest('hex');

  return JSON.stringify({
    callers: [
      {
        name: 'bench-operator',
        tokenSha256,
        scopes: ['jobs:read', 'jobs:cancel'],
        pools: ['*'],
      },
    ],
  });
}

export function benchSecrets(): Record<string, string> {
  return {
    [CELONIS_SECRET_ID]: JSON.stringify({ appKey: APP_KEY }),
    [CALLERS_SECRET_ID]: callersSecret(),
  };
}

export type Env = Record<string, string>;

/**
 * A function's environment against the emulator at `url`. `POWERTOOLS_DEV`
 * is off, so log lines are the compact JSON that Lambda writes.
 */
export function functionEnv(url: string, extra: Env = {}): Env {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
    AWS_ENDPOINT_URL_SNS: url,
    CELONIS_URL: url,
    CELONIS_SECRET_ID,
    CALLERS_SECRET_ID,
    POOLS: `${POOL_ALIAS}=${POOL_ID}`,
    LOG_LEVEL: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'celonis-job-control',
    POWERTOOLS_DEV: 'false',
    ...extra,
  };
}
