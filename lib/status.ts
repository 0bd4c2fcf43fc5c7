/**
 * The answers of the status routes: every job of a pool (optionally only
 * some statuses, or as a text table) and one job.
 */
import type { Pool } from './config.ts';
import { BadRequestError } from './errors.ts';
import {
  type HttpResult,
  header,
  jsonResponse,
  parseJobId,
  type RouteRequest,
  readQuery,
  textResponse,
} from './http.ts';
import { formatJobsTable, JOB_STATUSES, type Job } from './jobs.ts';
import type { Services } from './services.ts';

const ACCEPTED_STATUSES = [...JOB_STATUSES, 'UNKNOWN', 'NONE'];

/** `?status=RUNNING,QUEUED` as a set; `undefined` keeps every job. */
export function parseStatusFilter(
  raw: string | undefined,
): Set<string> | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const wanted = raw
    .split(',')
    .map((value) => value.trim().toUpperCase())
    .filter((value) => value !== '');
  const unknown = wanted.filter((value) => !ACCEPTED_STATUSES.includes(value));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new BadRequestError(
      `status: expected a comma-separated list of ${ACCEPTED_STATUSES.join(', ')}.`,
    );
  }

  return new Set(wanted);
}

export async function listJobs(
  services: Services,
  request: RouteRequest,
): Promise<HttpResult> {
  const query = readQuery(request.event, ['status']);
  const filter = parseStatusFilter(query.status);

  const jobs = await services.celonis.listJobs(
    request.pool.id,
    request.deadline,
  );
  const shown = jobs.filter(
    (job) => filter === undefined || filter.has(job.status ?? 'NONE'),
  );

  if (wantsText(header(request.event, 'accept'))) {
    return textResponse(200, formatJobsTable(shown));
  }

  return jsonResponse(200, {
    pool: poolView(request.pool),
    jobs: shown,
    fetchedAt: new Date().toISOString(),
  });
}

export async function showJob(
  services: Services,
  request: RouteRequest,
): Promise<HttpResult> {
  const jobId = parseJobId(request.event.pathParameters?.jobId);
  readQuery(request.event, []);

  const job: Job = await services.celonis.getJobWithLastRun(
    request.pool.id,
    jobId,
    request.deadline,
  );

  return jsonResponse(200, { pool: poolView(request.pool), job });
}

export function poolView(pool: Pool): { id: string; alias: string } {
  return { id: pool.id, alias: pool.alias };
}

// Plain text only when asked for ahead of JSON: a browser's or curl's
// default `*/*` still gets JSON.
function wantsText(accept: string | undefined): boolean {
  const types = (accept ?? '')
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase());

  return types[0] === 'text/plain';
}
