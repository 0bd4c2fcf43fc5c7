/**
 * The handler harness as the fault table and the property tests use it:
 * two pools in Celonis and a third configured but unknown to it, one
 * caller who may do everything, the Celonis key as a plain-text secret,
 * and cancels that take effect at once.
 */
import type { JobSeed } from '../../emulator/celonis.ts';
import {
  ADMIN_TOKEN,
  CALLERS_SECRET_ID,
  CELONIS_SECRET_ID,
  type HandlerHarness,
  handlerEnv,
  startHandlerHarness,
} from './handler-harness.ts';
import { APP_KEY, callersSecret } from './secrets.ts';

export const DEMO_POOL_ID = '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1';
export const CRM_POOL_ID = '8b0e3f1a-5c2d-4e6f-9a7b-1c2d3e4f5a6b';
/** Configured in `POOLS`, but unknown to the emulator. */
export const GHOST_POOL_ID = 'c4a1e2b3-d5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const POOL_IDS = [DEMO_POOL_ID, CRM_POOL_ID, GHOST_POOL_ID] as const;

export const RUNNING_JOB_ID = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';
export const FINISHED_JOB_ID = '5f2b8c1d-7e4a-4b3c-9d8e-2a1b0c9d8e7f';
export const CRM_JOB_ID = 'e7d6c5b4-a392-4817-86f5-4e3d2c1b0a99';

function demoJobs(): JobSeed[] {
  return [
    {
      id: RUNNING_JOB_ID,
      name: 'main job',
      dataSourceId: '3702de43-b181-4b5b-90da-87e056ce7616',
      status: 'RUNNING',
      lastExecutionStartDate: 1_796_420_000_000,
    },
    {
      id: FINISHED_JOB_ID,
      name: 'nightly extract',
      dataSourceId: null,
      status: 'SUCCESS',
      lastExecutionStartDate: '2026-12-03T21:00:00.000Z',
    },
  ];
}

/**
 * @example
 * const harness = await startFaultHarness();
 * const { status } = await harness.loadFunctions();
 */
export function startFaultHarness(): Promise<HandlerHarness> {
  return startHandlerHarness({
    emulator: {
      pools: [
        { id: DEMO_POOL_ID, name: 'SAP ECC', jobs: demoJobs() },
        {
          id: CRM_POOL_ID,
          name: 'CRM',
          jobs: [{ id: CRM_JOB_ID, name: 'crm load', status: 'SUCCESS' }],
        },
      ],
      appKeys: [APP_KEY],
      // Cancelled jobs flip to CANCEL at once, so waits end at the first poll.
      cancelDelayMs: 0,
    },
    env: handlerEnv({
      POOLS: `demo=${DEMO_POOL_ID},crm=${CRM_POOL_ID},ghost=${GHOST_POOL_ID}`,
      AUTO_CANCEL_POOLS: 'demo',
      AUTO_CANCEL_DRY_RUN: 'false',
      NOTIFY_TOPIC_ARN: '',
      LOG_LEVEL: 'WARN',
    }),
    secrets: {
      [CELONIS_SECRET_ID]: APP_KEY,
      [CALLERS_SECRET_ID]: callersSecret([
        {
          name: 'fault-admin',
          token: ADMIN_TOKEN,
          scopes: ['jobs:read', 'jobs:cancel'],
          pools: ['*'],
        },
      ]),
    },
  });
}
