/**
 * The demo data set: one SAP ECC pool whose jobs are running, queued,
 * finished and never run, so every view of the service has something to
 * show. Ids are fixed so printed commands keep working across restarts.
 * @module
 */
import type { PoolSeed } from './types.ts';

export const DEMO_POOL_ID = '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1';

/** Clearly fake: only the emulator accepts it. */
export const demoAppKey = 'demo-app-key';

export const DEMO_DATA_SOURCE_IDS = {
  purchaseToPay: '3702de43-b181-4b5b-90da-87e056ce7616',
  orderToCash: '8c1f2b6e-54d7-4a0e-9f3b-2e6a7d9c1b40',
} as const;

export const DEMO_JOB_IDS = {
  extractP2P: '0bae5839-6921-46dc-8d0f-3294ecd6b3fd',
  extractO2C: '5e2c7a91-3b4d-4f6e-8a1c-9d0b2e3f4a5b',
  extractMasterData: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  deltaO2C: 'c7d8e9f0-1a2b-4c3d-9e4f-5a6b7c8d9e0f',
  extractVendors: 'e4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8',
  transformP2P: 'f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f',
} as const;

const MINUTE_MS = 60_000;

/** The demo pool, with start dates relative to now. */
export function demoPools(): PoolSeed[] {
  const now = Date.now();
  const minutesAgo = (minutes: number) => now - minutes * MINUTE_MS;
  const { purchaseToPay, orderToCash } = DEMO_DATA_SOURCE_IDS;

  return [
    {
      id: DEMO_POOL_ID,
      name: 'SAP ECC demo',
      jobs: [
        {
          id: DEMO_JOB_IDS.extractP2P,
          name: 'Extract SAP ECC P2P',
          dataSourceId: purchaseToPay,
          status: 'RUNNING',
          lastExecutionStartDate: minutesAgo(47),
        },
        {
          id: DEMO_JOB_IDS.extractO2C,
          name: 'Extract SAP ECC O2C',
          dataSourceId: orderToCash,
          status: 'RUNNING',
          lastExecutionStartDate: minutesAgo(18),
        },
        {
          id: DEMO_JOB_IDS.extractMasterData,
          name: 'Extract SAP ECC Master Data',
          dataSourceId: purchaseToPay,
          status: 'QUEUED',
          lastExecutionStartDate: minutesAgo(2),
        },
        {
          id: DEMO_JOB_IDS.deltaO2C,
          name: 'Delta Extract SAP ECC O2C',
          dataSourceId: orderToCash,
          status: 'SUCCESS',
          lastExecutionStartDate: minutesAgo(190),
        },
        {
          id: DEMO_JOB_IDS.extractVendors,
          name: 'Extract SAP ECC Vendor Master',
          dataSourceId: purchaseToPay,
          status: 'FAIL',
          lastExecutionStartDate: minutesAgo(305),
        },
        {
          id: DEMO_JOB_IDS.transformP2P,
          name: 'Transform P2P Data Model Tables',
          dataSourceId: null,
          status: null,
        },
      ],
    },
  ];
}
