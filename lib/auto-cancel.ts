/**
 * The scheduled auto-cancel: validates the schedule's input, lists the
 * pools' jobs, cancels every running one that the filters let through,
 * waits, logs one summary line, publishes it, and fails the invocation
 * when a job may still be running, so Lambda's retries, failure
 * destination and alarms see it.
 */
import * as z from 'zod';
import {
  type CancelOutcome,
  type CancelSummary,
  type CancelTarget,
  cancelJobs,
  selectRunning,
  summarize,
} from './cancel.ts';
import { resultView } from './cancel-routes.ts';
import { findPool, type Pool } from './config.ts';
import type { Deadline } from './deadline.ts';
import { ServiceError } from './errors.ts';
import { logger } from './logger.ts';
import { formatNotification, publishNotification } from './notify.ts';
import type { Services } from './services.ts';
import { describeIssue, reason, uuid } from './validation.ts';

export const autoCancelEvent = z.strictObject({
  pools: z.array(z.string()).min(1).optional(),
  dataSourceIds: z.array(uuid).optional(),
  excludeJobIds: z.array(uuid).optional(),
  dryRun: z.boolean().optional(),
  waitSeconds: z.number().min(0).max(600).optional(),
  reason: reason.optional(),
});

export interface AutoCancelRequest {
  pools: Pool[];
  dataSourceIds: ReadonlySet<string> | undefined;
  excludeJobIds: ReadonlySet<string>;
  dryRun: boolean;
  waitSeconds: number;
  reason: string | undefined;
}

export interface AutoCancelResult extends ReturnType<typeof resultView> {
  pool: string;
}

export interface AutoCancelOutcome {
  dryRun: boolean;
  results: AutoCancelResult[];
  summary: CancelSummary;
  /** Pools whose jobs could not be listed; their jobs are unknown. */
  poolErrors: { pool: string; error: string }[];
  pools: string[];
  reason: string | undefined;
  startedAt: string;
  /** True when no job may still be running because of this run. */
  ok: boolean;
}

/** An event that names a wrong field; thrown before any call to Celonis. */
export class InvalidEventError extends Error {
  constructor(detail: string) {
    super(`Invalid autoCancel event: ${detail}`);
    this.name = 'InvalidEventError';
  }
}

/** The run failed to stop everything it should have; thrown after notifying. */
export class AutoCancelIncompleteError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'AutoCancelIncompleteError';
  }
}

/**
 * The run the event asks for; an invalid event is logged, then thrown.
 *
 * @example
 * parseEvent({ pools: ['sap-ecc'], dryRun: true }, config.pools, [], false);
 */
export function parseEvent(
  event: unknown,
  pools: readonly Pool[],
  defaultPools: readonly Pool[],
  defaultDryRun: boolean,
): AutoCancelRequest {
  try {
    return readEvent(event, pools, defaultPools, defaultDryRun);
  } catch (error) {
    if (error instanceof InvalidEventError) {
      logger.error('auto-cancel event invalid', { detail: error.message });
    }
    throw error;
  }
}

function readEvent(
  event: unknown,
  pools: readonly Pool[],
  defaultPools: readonly Pool[],
  defaultDryRun: boolean,
): AutoCancelRequest {
  const parsed = autoCancelEvent.safeParse(event ?? {});
  if (!parsed.success) {
    throw new InvalidEventError(describeIssue(parsed.error, ''));
  }
  const input = parsed.data;
  const chosen = input.pools?.map((name, index) => {
    const pool = findPool(pools, name);
    if (pool === undefined) {
      throw new InvalidEventError(
        `pools.${index}: ${name} is not a configured pool.`,
      );
    }

    return pool;
  }) ?? [...defaultPools];
  if (chosen.length === 0) {
    throw new InvalidEventError(
      'pools: the event names none and AUTO_CANCEL_POOLS is not set.',
    );
  }

  return {
    pools: [...new Map(chosen.map((pool) => [pool.id, pool])).values()],
    dataSourceIds: input.dataSourceIds && new Set(input.dataSourceIds),
    excludeJobIds: new Set(input.excludeJobIds ?? []),
    dryRun: input.dryRun ?? defaultDryRun,
    waitSeconds: input.waitSeconds ?? 120,
    reason: input.reason,
  };
}

export async function runAutoCancel(
  services: Services,
  request: AutoCancelRequest,
  deadline: Deadline,
): Promise<AutoCancelOutcome> {
  const startedAt = new Date().toISOString();
  const poolErrors: AutoCancelOutcome['poolErrors'] = [];
  const listed = await Promise.all(
    request.pools.map((pool) =>
      listTargets(services, pool, request, deadline, poolErrors),
    ),
  );

  const outcomes = await cancelJobs(services.celonis, listed.flat(), {
    dryRun: request.dryRun,
    waitMs: request.waitSeconds * 1000,
    deadline,
    reason: request.reason,
  });

  return describeRun(request, outcomes, poolErrors, startedAt);
}

async function listTargets(
  services: Services,
  pool: Pool,
  request: AutoCancelRequest,
  deadline: Deadline,
  poolErrors: AutoCancelOutcome['poolErrors'],
): Promise<CancelTarget[]> {
  try {
    const jobs = await services.celonis.listJobs(pool.id, deadline);
    const selector = request.dataSourceIds
      ? { dataSourceIds: request.dataSourceIds }
      : {};

    return selectRunning(jobs, [selector]).map((job) => ({
      pool,
      job,
      excluded: request.excludeJobIds.has(job.id),
    }));
  } catch (error) {
    const detail =
      error instanceof ServiceError ? error.message : String(error);
    logger.error('pool listing failed', { pool: pool.alias, error: detail });
    poolErrors.push({ pool: pool.alias, error: detail });

    return [];
  }
}

function describeRun(
  request: AutoCancelRequest,
  outcomes: CancelOutcome[],
  poolErrors: AutoCancelOutcome['poolErrors'],
  startedAt: string,
): AutoCancelOutcome {
  const summary = summarize(outcomes);
  const unfinished = (summary.failed ?? 0) + (summary['cancel-requested'] ?? 0);

  return {
    dryRun: request.dryRun,
    results: outcomes.map((outcome) => ({
      pool: outcome.pool.alias,
      ...resultView(outcome),
    })),
    summary,
    poolErrors,
    pools: request.pools.map((pool) => pool.alias),
    reason: request.reason,
    startedAt,
    ok: poolErrors.length === 0 && (request.dryRun || unfinished === 0),
  };
}

/**
 * Logs the summary line, publishes it when a topic is set, and throws when
 * the run did not stop everything it should have.
 */
export async function reportRun(
  outcome: AutoCancelOutcome,
  topicArn: string | undefined,
): Promise<void> {
  const line = {
    dryRun: outcome.dryRun,
    pools: outcome.pools,
    summary: outcome.summary,
    poolErrors: outcome.poolErrors,
    reason: outcome.reason,
  };
  if (outcome.ok) {
    logger.info('auto-cancel finished', line);
  } else {
    logger.error('auto-cancel incomplete', line);
  }
  const notified = topicArn === undefined || (await notify(topicArn, outcome));
  if (!outcome.ok) {
    throw new AutoCancelIncompleteError(describeUnfinished(outcome));
  }
  if (!notified) {
    throw new AutoCancelIncompleteError(
      'The run summary could not be published.',
    );
  }
}

async function notify(
  topicArn: string,
  outcome: AutoCancelOutcome,
): Promise<boolean> {
  try {
    await publishNotification(topicArn, formatNotification(outcome));

    return true;
  } catch (error) {
    logger.error('notification failed', { errorName: (error as Error).name });

    return false;
  }
}

function describeUnfinished(outcome: AutoCancelOutcome): string {
  const jobs = outcome.results
    .filter(
      (entry) =>
        entry.result === 'failed' || entry.result === 'cancel-requested',
    )
    .map(
      (entry) => `${entry.pool}/${entry.name || entry.jobId} (${entry.result})`,
    );
  const pools = outcome.poolErrors.map((entry) => `${entry.pool} (not listed)`);

  return `Auto-cancel incomplete: ${[...pools, ...jobs].join(', ')}.`;
}
