/**
 * The answers of the cancel routes: one job
 * (`POST /pools/{pool}/jobs/{jobId}/cancel`) and every running job of a
 * pool, from a person or a monitoring webhook
 * (`POST /pools/{pool}/cancel-running`).
 */
import * as z from 'zod';
import {
  type CancelOutcome,
  cancelJobs,
  type JobSelector,
  selectRunning,
  summarize,
} from './cancel.ts';
import { NotFoundError } from './errors.ts';
import {
  type HttpResult,
  jsonResponse,
  parseJobId,
  type RouteRequest,
  readBoolean,
  readJsonBody,
  readQuery,
  readSeconds,
} from './http.ts';
import type { Job } from './jobs.ts';
import type { Services } from './services.ts';
import { parseInput, reason, uuidList } from './validation.ts';
import { isWebhook, parseWebhook } from './webhooks.ts';

const MAX_WAIT_SECONDS = 25;
const DEFAULT_WAIT_SECONDS = 10;

const singleBody = z.strictObject({ reason: reason.optional() }).optional();

const runningBody = z
  .strictObject({
    jobIds: uuidList.optional(),
    dataSourceIds: uuidList.optional(),
    reason: reason.optional(),
  })
  .optional();

export async function cancelOne(
  services: Services,
  request: RouteRequest,
): Promise<HttpResult> {
  const { event, pool, deadline } = request;
  const jobId = parseJobId(event.pathParameters?.jobId);
  const query = readQuery(event, ['wait']);
  const wait = readSeconds(
    'wait',
    query.wait,
    MAX_WAIT_SECONDS,
    DEFAULT_WAIT_SECONDS,
  );
  const body = parseInput(singleBody, readJsonBody(event), 'body');

  const job = await services.celonis.getJobWithLastRun(
    pool.id,
    jobId,
    deadline,
  );
  const [outcome] = await cancelJobs(services.celonis, [{ pool, job }], {
    dryRun: false,
    waitMs: wait * 1000,
    deadline,
    reason: body?.reason,
  });
  if (outcome === undefined || outcome.result === 'failed') {
    throw outcome?.cause;
  }

  return jsonResponse(outcome.result === 'cancel-requested' ? 202 : 200, {
    result: outcome.result,
    previousStatus: outcome.previousStatus,
    job: outcome.job,
  });
}

export async function cancelRunning(
  services: Services,
  request: RouteRequest,
): Promise<HttpResult> {
  const { event, pool, deadline } = request;
  const query = readQuery(event, ['wait', 'dryRun']);
  const dryRun = readBoolean('dryRun', query.dryRun, false);
  const body = readJsonBody(event);
  const webhook = isWebhook(body) ? parseWebhook(body) : undefined;
  const narrowing = webhook ? undefined : parseInput(runningBody, body, 'body');
  const wait = readSeconds(
    'wait',
    query.wait,
    MAX_WAIT_SECONDS,
    webhook ? 0 : DEFAULT_WAIT_SECONDS,
  );
  if (webhook?.firing === 0) {
    return jsonResponse(200, { result: 'ignored', detail: 'no firing alert' });
  }

  const jobs = await services.celonis.listJobs(pool.id, deadline);
  const selectors = webhook?.selectors ?? [bodySelector(narrowing, jobs)];
  const targets = selectRunning(jobs, selectors).map((job) => ({ pool, job }));
  const outcomes = await cancelJobs(services.celonis, targets, {
    dryRun,
    waitMs: wait * 1000,
    deadline,
    reason: webhook
      ? `alert ${webhook.alertNames.join(', ')}`
      : narrowing?.reason,
  });

  return jsonResponse(bulkStatus(outcomes, dryRun), {
    dryRun,
    results: outcomes.map(resultView),
    summary: summarize(outcomes),
  });
}

// Ids named in the body must exist in the pool: a typo or a wrong pool is
// reported instead of silently cancelling nothing.
function bodySelector(
  narrowing: z.infer<typeof runningBody>,
  jobs: readonly Job[],
): JobSelector {
  const known = new Set(jobs.map((job) => job.id));
  const missing = narrowing?.jobIds?.filter((id) => !known.has(id)) ?? [];
  if (missing.length > 0) {
    throw new NotFoundError(
      `Data job ${missing.join(', ')} was not found in the pool.`,
    );
  }

  return {
    ...(narrowing?.jobIds && { jobIds: new Set(narrowing.jobIds) }),
    ...(narrowing?.dataSourceIds && {
      dataSourceIds: new Set(narrowing.dataSourceIds),
    }),
  };
}

/** 502 when any cancel failed, 202 while any is pending, else 200. */
export function bulkStatus(
  outcomes: readonly CancelOutcome[],
  dryRun: boolean,
): number {
  if (dryRun) {
    return 200;
  }
  if (outcomes.some((outcome) => outcome.result === 'failed')) {
    return 502;
  }

  return outcomes.some((outcome) => outcome.result === 'cancel-requested')
    ? 202
    : 200;
}

export function resultView(outcome: CancelOutcome) {
  return {
    jobId: outcome.jobId,
    name: outcome.name,
    previousStatus: outcome.previousStatus,
    result: outcome.result,
    status: outcome.status,
    ...(outcome.error !== undefined && { error: outcome.error }),
  };
}
