/**
 * The one implementation of "cancel these jobs and wait", shared by the
 * single-job route, the cancel-running route and the scheduled autoCancel.
 * A job that is not `QUEUED`/`RUNNING` is never sent a cancel. Cancels go
 * out concurrently within a bound; then the jobs are polled about once a
 * second until each has ended or the wait is over. Each job ends in one
 * result, logged on one audit line.
 */
import type { CelonisClient } from './celonis.ts';
import type { Pool } from './config.ts';
import type { Deadline } from './deadline.ts';
import { ServiceError } from './errors.ts';
import { isInProgress, type Job, type JobStatus } from './jobs.ts';
import { logger } from './logger.ts';
import { sleep } from './rate-limiter.ts';

const PROGRESS_EVERY_MS = 15_000;

export type CancelResult =
  | 'cancelled'
  | 'cancel-requested'
  | 'not-running'
  | 'would-cancel'
  | 'failed'
  | 'excluded';

export interface CancelTarget {
  pool: Pool;
  job: Job;
  /** Listed in the results but never touched (autoCancel's exclusions). */
  excluded?: boolean;
}

export interface CancelOutcome {
  pool: Pool;
  jobId: string;
  name: string;
  previousStatus: JobStatus | null;
  result: CancelResult;
  status: JobStatus | null;
  /** The job as last read. */
  job: Job;
  /** Why the cancel failed, in words fit for the caller. */
  error?: string;
  /** The error itself, for callers that answer with it. */
  cause?: unknown;
}

export interface CancelOptions {
  dryRun: boolean;
  /** How long to wait for the jobs to end after the cancels went out. */
  waitMs: number;
  deadline: Deadline;
  reason?: string | undefined;
  pollIntervalMs?: number;
  /** Cancels in flight at once. The rate limiter bounds requests per second. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type CancelSummary = Partial<Record<CancelResult, number>>;

/**
 * Which jobs a cancel aims at. A job matches a selector when it is in every
 * list the selector has; an empty selector matches every job.
 */
export interface JobSelector {
  jobIds?: ReadonlySet<string>;
  dataSourceIds?: ReadonlySet<string>;
}

/** The `QUEUED`/`RUNNING` jobs that match at least one selector. */
export function selectRunning(
  jobs: readonly Job[],
  selectors: readonly JobSelector[],
): Job[] {
  return jobs.filter(
    (job) =>
      isInProgress(job.status) &&
      selectors.some((selector) => matches(job, selector)),
  );
}

function matches(job: Job, selector: JobSelector): boolean {
  const { jobIds, dataSourceIds } = selector;

  return (
    (jobIds === undefined || jobIds.has(job.id)) &&
    (dataSourceIds === undefined ||
      (job.dataSourceId !== null && dataSourceIds.has(job.dataSourceId)))
  );
}

/**
 * @example
 * const outcomes = await cancelJobs(client, [{ pool, job }], {
 *   dryRun: false, waitMs: 10_000, deadline,
 * });
 */
export async function cancelJobs(
  client: CelonisClient,
  targets: readonly CancelTarget[],
  options: CancelOptions,
): Promise<CancelOutcome[]> {
  const outcomes = uniqueTargets(targets).map((target) =>
    firstOutcome(target, options),
  );
  const toCancel = outcomes.filter(
    (outcome) => outcome.result === 'cancel-requested',
  );
  await mapConcurrently(toCancel, options.concurrency ?? 8, (outcome) =>
    requestCancel(client, outcome, options.deadline),
  );
  await waitForEnd(client, outcomes, options);
  for (const outcome of outcomes) {
    logOutcome(outcome, options);
  }

  return outcomes;
}

export function summarize(outcomes: readonly CancelOutcome[]): CancelSummary {
  const summary: CancelSummary = {};
  for (const { result } of outcomes) {
    summary[result] = (summary[result] ?? 0) + 1;
  }

  return summary;
}

function uniqueTargets(targets: readonly CancelTarget[]): CancelTarget[] {
  const seen = new Set<string>();

  return targets.filter(({ pool, job }) => {
    const key = `${pool.id}/${job.id}`;
    const fresh = !seen.has(key);
    seen.add(key);

    return fresh;
  });
}

function firstOutcome(
  target: CancelTarget,
  options: CancelOptions,
): CancelOutcome {
  const { pool, job } = target;
  const running = isInProgress(job.status);
  let result: CancelResult = 'cancel-requested';
  if (target.excluded) {
    result = 'excluded';
  } else if (!running) {
    result = 'not-running';
  } else if (options.dryRun) {
    result = 'would-cancel';
  }

  return {
    pool,
    jobId: job.id,
    name: job.name,
    previousStatus: job.status,
    result,
    status: job.status,
    job,
  };
}

async function requestCancel(
  client: CelonisClient,
  outcome: CancelOutcome,
  deadline: Deadline,
): Promise<void> {
  try {
    await client.cancelJob(outcome.pool.id, outcome.jobId, deadline);
  } catch (error) {
    outcome.result = 'failed';
    outcome.cause = error;
    outcome.error =
      error instanceof ServiceError
        ? error.message
        : 'The cancel could not be sent.';
    if (!(error instanceof ServiceError)) {
      logger.error('cancel failed unexpectedly', {
        jobId: outcome.jobId,
        error,
      });
    }
  }
}

async function waitForEnd(
  client: CelonisClient,
  outcomes: CancelOutcome[],
  options: CancelOptions,
): Promise<void> {
  const waitDeadline = options.deadline.within(options.waitMs);
  const interval = options.pollIntervalMs ?? 1_000;
  const pause = options.sleep ?? sleep;
  const startedAt = Date.now();
  let reportedAt = startedAt;
  let pending = outcomes.filter((o) => o.result === 'cancel-requested');
  while (pending.length > 0 && waitDeadline.remainingMs() > 0) {
    await pause(Math.min(interval, waitDeadline.remainingMs()));
    await pollOnce(client, pending, options.deadline);
    pending = pending.filter((o) => o.result === 'cancel-requested');
    // A long wait (autoCancel's may take minutes) shows it is alive.
    if (Date.now() - reportedAt >= PROGRESS_EVERY_MS && pending.length > 0) {
      reportedAt = Date.now();
      logger.info('waiting for jobs to stop', {
        pending: pending.length,
        waitedMs: reportedAt - startedAt,
      });
    }
  }
}

// One request per pool while several of its jobs are pending, one per job
// otherwise: bulk cancels poll cheaply, single ones read just their job.
async function pollOnce(
  client: CelonisClient,
  pending: CancelOutcome[],
  deadline: Deadline,
): Promise<void> {
  const byPool = Map.groupBy(pending, (outcome) => outcome.pool.id);
  await Promise.all(
    [...byPool.entries()].map(async ([poolId, outcomes]) => {
      try {
        const jobs =
          outcomes.length === 1 && outcomes[0] !== undefined
            ? [await client.getJob(poolId, outcomes[0].jobId, deadline)]
            : await client.listJobStatuses(poolId, deadline);
        applyStatuses(outcomes, jobs);
      } catch (error) {
        // A failed poll leaves the jobs pending; the next round tries again.
        logger.warn('job status poll failed', {
          poolId,
          error: error instanceof ServiceError ? error.message : String(error),
        });
      }
    }),
  );
}

function applyStatuses(outcomes: CancelOutcome[], jobs: Job[]): void {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  for (const outcome of outcomes) {
    const job = byId.get(outcome.jobId);
    // Without a status it knows, the service cannot tell that a job ended.
    if (job === undefined || job.status === null || job.status === 'UNKNOWN') {
      continue;
    }
    outcome.job = {
      ...job,
      lastExecutionStartDate: outcome.job.lastExecutionStartDate,
    };
    outcome.status = job.status;
    if (!isInProgress(job.status)) {
      outcome.result = job.status === 'CANCEL' ? 'cancelled' : 'not-running';
    }
  }
}

function logOutcome(outcome: CancelOutcome, options: CancelOptions): void {
  const line = {
    pool: outcome.pool.alias,
    jobId: outcome.jobId,
    jobName: outcome.name,
    previousStatus: outcome.previousStatus,
    result: outcome.result,
    status: outcome.status,
    dryRun: options.dryRun,
    reason: options.reason,
    error: outcome.error,
  };
  if (outcome.result === 'failed') {
    logger.warn('job cancel', line);
  } else {
    logger.info('job cancel', line);
  }
}

async function mapConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}
