/**
 * The pools and data jobs the emulator serves, and how a cancel changes
 * them over time.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { EmulatorError } from './http.ts';
import { createTimerGroup } from './timers.ts';
import type {
  EmulatedJob,
  EmulatedJobView,
  JobSeed,
  JobStatus,
  PoolSeed,
} from './types.ts';

interface JobState {
  id: string;
  name: string;
  dataPoolId: string;
  dataSourceId: string | null;
  status: JobStatus | null;
  lastExecutionStartDate: number | string | null;
  timeStamp: number;
  currentExecutionId: string | null;
  latestExecutionItemId: string | null;
  stubborn: boolean;
  cancelFails: boolean;
  /** Stops the pending flip to CANCEL; set while a cancel is under way. */
  stopPendingCancel?: () => void;
}

interface PoolState {
  id: string;
  name: string;
  jobs: Map<string, JobState>;
}

export interface StatusEntry {
  id: string;
  status: JobStatus;
  lastExecutionStartDate: number | string | null;
}

export interface PoolSummary {
  id: string;
  name: string;
  permissions: string[];
}

export interface JobStore {
  listPools(): PoolSummary[];
  hasPool(poolId: string): boolean;
  listJobs(poolId: string): EmulatedJob[] | undefined;
  listJobViews(poolId: string): EmulatedJobView[] | undefined;
  listStatuses(poolId: string): StatusEntry[] | undefined;
  getJob(poolId: string, jobId: string): EmulatedJob | undefined;
  /** Whether a cancel of this job answers 500; undefined for unknown jobs. */
  cancelFails(poolId: string, jobId: string): boolean | undefined;
  /** Starts a cancel; answers false when the job does not exist. */
  requestCancel(poolId: string, jobId: string, delayMs: number): boolean;
  addPool(seed: PoolSeed): void;
  addJob(poolId: string, seed: JobSeed): void;
  setJobStatus(poolId: string, jobId: string, status: JobStatus | null): void;
  /** Drops every pool and pending cancel, then loads `seeds`. */
  load(seeds: PoolSeed[]): void;
  /** Stops every pending cancel. */
  stop(): void;
}

const POOL_PERMISSIONS = ['EDIT', 'USE'];

export function isInProgress(status: JobStatus | null): boolean {
  return status === 'QUEUED' || status === 'RUNNING';
}

function toTimeStamp(date: number | string | null, fallback: number): number {
  if (typeof date === 'number') {
    return date;
  }
  const parsed = typeof date === 'string' ? Date.parse(date) : Number.NaN;

  return Number.isNaN(parsed) ? fallback : parsed;
}

function createJobState(poolId: string, seed: JobSeed): JobState {
  const now = Date.now();
  const status = seed.status ?? null;
  const lastExecutionStartDate =
    status === null ? null : (seed.lastExecutionStartDate ?? now);
  const executionId = status === null ? null : randomUUID();

  return {
    id: seed.id,
    name: seed.name,
    dataPoolId: poolId,
    dataSourceId: seed.dataSourceId ?? null,
    status,
    lastExecutionStartDate,
    timeStamp: toTimeStamp(lastExecutionStartDate, now),
    currentExecutionId: isInProgress(status) ? executionId : null,
    latestExecutionItemId: executionId,
    stubborn: seed.stubborn ?? false,
    cancelFails: seed.cancelFails ?? false,
  };
}

function toApiJob(job: JobState): EmulatedJob {
  return {
    id: job.id,
    name: job.name,
    dataPoolId: job.dataPoolId,
    dataSourceId: job.dataSourceId,
    timeStamp: job.timeStamp,
    status: job.status,
    currentExecutionId: job.currentExecutionId,
    dagBasedExecutionEnabled: null,
    latestExecutionItemId: job.latestExecutionItemId,
    schedulingType: null,
  };
}

function toJobView(job: JobState): EmulatedJobView {
  return {
    ...toApiJob(job),
    lastExecutionStartDate: job.lastExecutionStartDate,
  };
}

/** Moves a job to `status` the way an execution would get there. */
function applyStatus(job: JobState, status: JobStatus | null): void {
  const now = Date.now();
  job.stopPendingCancel?.();
  job.stopPendingCancel = undefined;
  job.timeStamp = now;

  if (status === null) {
    job.status = null;
    job.lastExecutionStartDate = null;
    job.currentExecutionId = null;
    job.latestExecutionItemId = null;
    return;
  }

  const continuesExecution = isInProgress(job.status);
  if (!continuesExecution && (isInProgress(status) || job.status === null)) {
    job.latestExecutionItemId = randomUUID();
    job.lastExecutionStartDate = now;
  }
  job.status = status;
  job.currentExecutionId = isInProgress(status)
    ? job.latestExecutionItemId
    : null;
}

export function createJobStore(): JobStore {
  const pools = new Map<string, PoolState>();
  const cancelTimers = createTimerGroup();

  function findJob(poolId: string, jobId: string): JobState | undefined {
    return pools.get(poolId)?.jobs.get(jobId);
  }

  function requireJob(poolId: string, jobId: string): JobState {
    const job = findJob(poolId, jobId);
    if (!job) {
      throw new EmulatorError(404, `unknown job ${jobId} in pool ${poolId}`);
    }

    return job;
  }

  function mapJobs<T>(
    poolId: string,
    map: (job: JobState) => T,
  ): T[] | undefined {
    const pool = pools.get(poolId);

    return pool ? [...pool.jobs.values()].map(map) : undefined;
  }

  function listStatuses(poolId: string): StatusEntry[] | undefined {
    const jobs = mapJobs(poolId, (job) => job);

    return jobs?.flatMap((job) =>
      job.status === null
        ? []
        : [
            {
              id: job.id,
              status: job.status,
              lastExecutionStartDate: job.lastExecutionStartDate,
            },
          ],
    );
  }

  function getJob(poolId: string, jobId: string): EmulatedJob | undefined {
    const job = findJob(poolId, jobId);

    return job ? toApiJob(job) : undefined;
  }

  function cancelFails(poolId: string, jobId: string): boolean | undefined {
    return findJob(poolId, jobId)?.cancelFails;
  }

  // A cancel ends the execution it was aimed at, and only that one: if the
  // job was set to another state meanwhile, the flip does not happen.
  function requestCancel(
    poolId: string,
    jobId: string,
    delayMs: number,
  ): boolean {
    const job = findJob(poolId, jobId);
    if (!job) {
      return false;
    }
    if (!isInProgress(job.status) || job.stubborn || job.stopPendingCancel) {
      return true;
    }

    const flip = () => applyStatus(job, 'CANCEL');
    if (delayMs <= 0) {
      flip();
      return true;
    }
    job.stopPendingCancel = cancelTimers.schedule(delayMs, flip);

    return true;
  }

  function addPool(seed: PoolSeed): void {
    if (pools.has(seed.id)) {
      throw new EmulatorError(409, `pool ${seed.id} exists already`);
    }
    const jobs = new Map<string, JobState>();
    for (const job of seed.jobs) {
      if (jobs.has(job.id)) {
        throw new EmulatorError(
          400,
          `job ${job.id} appears twice in pool ${seed.id}`,
        );
      }
      jobs.set(job.id, createJobState(seed.id, job));
    }
    pools.set(seed.id, { id: seed.id, name: seed.name, jobs });
  }

  function addJob(poolId: string, seed: JobSeed): void {
    const pool = pools.get(poolId);
    if (!pool) {
      throw new EmulatorError(404, `unknown pool ${poolId}`);
    }
    if (pool.jobs.has(seed.id)) {
      throw new EmulatorError(
        409,
        `job ${seed.id} exists already in pool ${poolId}`,
      );
    }
    pool.jobs.set(seed.id, createJobState(poolId, seed));
  }

  function setJobStatus(
    poolId: string,
    jobId: string,
    status: JobStatus | null,
  ): void {
    applyStatus(requireJob(poolId, jobId), status);
  }

  function load(seeds: PoolSeed[]): void {
    cancelTimers.clearAll();
    pools.clear();
    for (const seed of seeds) {
      addPool(seed);
    }
  }

  return {
    listPools: () =>
      [...pools.values()].map((pool) => ({
        id: pool.id,
        name: pool.name,
        permissions: [...POOL_PERMISSIONS],
      })),
    hasPool: (poolId) => pools.has(poolId),
    listJobs: (poolId) => mapJobs(poolId, toApiJob),
    listJobViews: (poolId) => mapJobs(poolId, toJobView),
    listStatuses,
    getJob,
    cancelFails,
    requestCancel,
    addPool,
    addJob,
    setJobStatus,
    load,
    stop: () => cancelTimers.clearAll(),
  };
}
