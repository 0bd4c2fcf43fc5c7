/**
 * The data set of the AWS suite: one pool whose jobs are running, queued
 * and finished, configured under the alias `demo`, the handler harness
 * that serves it with the secrets in moto, and the request for its job
 * list.
 */
import type { EmulatorOptions, PoolSeed } from '../../emulator/celonis.ts';
import { httpEvent } from '../helpers/events.ts';
import {
  type FunctionEnv,
  type HandlerHarness,
  startHandlerHarness,
} from '../helpers/handler-harness.ts';

export const POOL_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
export const POOLS = `demo=${POOL_ID}`;

export const JOB_IDS = {
  extractOrders: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  extractInvoices: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
  extractVendors: '3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f',
  transform: '4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f8a',
} as const;

export function demoPool(): PoolSeed {
  return {
    id: POOL_ID,
    name: 'SAP ECC',
    jobs: [
      { id: JOB_IDS.extractOrders, name: 'extract orders', status: 'RUNNING' },
      {
        id: JOB_IDS.extractInvoices,
        name: 'extract invoices',
        status: 'RUNNING',
      },
      { id: JOB_IDS.extractVendors, name: 'extract vendors', status: 'QUEUED' },
      { id: JOB_IDS.transform, name: 'transform', status: 'SUCCESS' },
    ],
  };
}

export interface MotoHarnessOptions {
  /** Credentials and timing of the emulator, which holds the demo pool. */
  emulator?: Omit<EmulatorOptions, 'pools'>;
  /** Besides `POOLS`; each load adds the secrets' ARNs. */
  env?: FunctionEnv;
}

/**
 * The handler harness with the demo pool, its Secrets Manager left to the
 * moto that AWS_ENDPOINT_URL names.
 *
 * @example
 * const harness = await startMotoHarness({ env: { LOG_LEVEL: 'WARN' } });
 * const handler = await harness.load('status', { CELONIS_SECRET_ID: arn });
 */
export function startMotoHarness(
  options: MotoHarnessOptions = {},
): Promise<HandlerHarness> {
  return startHandlerHarness({
    emulator: { ...options.emulator, pools: [demoPool()] },
    env: { POOLS, ...options.env },
    secrets: 'unmocked',
  });
}

/** `GET /pools/demo/jobs` with a bearer token. */
export function listJobsEvent(token: string) {
  return httpEvent({
    path: '/pools/demo/jobs',
    routeKey: 'GET /pools/{pool}/jobs',
    pathParameters: { pool: 'demo' },
    token,
  });
}
