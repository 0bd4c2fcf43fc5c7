/**
 * The requests the benchmarks send, as API Gateway and EventBridge
 * Scheduler deliver them. Plain JSON, so child processes get them through
 * their environment.
 * @module
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpEvent } from '../test/helpers/events.ts';
import {
  CALLER_TOKEN,
  CANCEL_JOB_ID,
  POOL_ALIAS,
  POOL_ID,
} from './fixtures.ts';

/** `GET /pools/bench/jobs`: two Celonis calls, run concurrently. */
export function listJobsEvent(): APIGatewayProxyEventV2 {
  return httpEvent({
    method: 'GET',
    path: `/pools/${POOL_ALIAS}/jobs`,
    routeKey: 'GET /pools/{pool}/jobs',
    pathParameters: { pool: POOL_ALIAS },
    token: CALLER_TOKEN,
  });
}

/**
 * `POST /pools/bench/jobs/{jobId}/cancel?wait=0`: the job and the status
 * list concurrently, then the cancel. `wait=0` answers at once, so the
 * figure is our layer and not the one-second poll.
 */
export function cancelEvent(): APIGatewayProxyEventV2 {
  return httpEvent({
    method: 'POST',
    path: `/pools/${POOL_ALIAS}/jobs/${CANCEL_JOB_ID}/cancel`,
    routeKey: 'POST /pools/{pool}/jobs/{jobId}/cancel',
    pathParameters: { pool: POOL_ALIAS, jobId: CANCEL_JOB_ID },
    query: { wait: '0' },
    token: CALLER_TOKEN,
  });
}

/** A dry run of the bench pool: lists, decides, logs and notifies. */
export function autoCancelDryRunEvent(): Record<string, unknown> {
  return { pools: [POOL_ALIAS], dryRun: true, reason: 'benchmark' };
}

/** The paths the direct `fetch` baseline calls, as the handlers do. */
export const celonisPaths = {
  jobs: `/integration/api/pools/${POOL_ID}/jobs`,
  statuses: `/integration/api/pools/${POOL_ID}/logs/status`,
  job: `/integration/api/pools/${POOL_ID}/jobs/${CANCEL_JOB_ID}`,
  cancel: `/integration/api/pools/${POOL_ID}/jobs/${CANCEL_JOB_ID}/cancel`,
} as const;
