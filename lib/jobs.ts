/**
 * Data jobs as the service shows them, and how Celonis's answers become
 * them. Celonis's shapes are parsed leniently: unknown fields are ignored,
 * missing optional fields become null, and a status value Celonis may add
 * later is shown as `UNKNOWN` instead of failing the request.
 */
import * as z from 'zod';

export const JOB_STATUSES = [
  'QUEUED',
  'RUNNING',
  'SUCCESS',
  'CANCEL',
  'FAIL',
  'SKIPPED',
] as const;

export type KnownJobStatus = (typeof JOB_STATUSES)[number];
export type JobStatus = KnownJobStatus | 'UNKNOWN';

export interface Job {
  id: string;
  name: string;
  status: JobStatus | null;
  dataSourceId: string | null;
  currentExecutionId: string | null;
  lastExecutionStartDate: string | null;
}

export function isInProgress(status: JobStatus | null): boolean {
  return status === 'QUEUED' || status === 'RUNNING';
}

const nullableString = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value == null ? null : String(value)));

// Optional before transform: zod 4 makes a key of plain `unknown` required.
const rawStatus = z.unknown().optional().transform(toJobStatus);

/** One element of `GET /pools/{poolId}/jobs`, and `GET .../jobs/{jobId}`. */
export const celonisJob = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  dataSourceId: nullableString,
  currentExecutionId: nullableString,
  status: rawStatus,
});

/** One element of `GET /pools/{poolId}/logs/status`. */
export const celonisJobStatus = z.object({
  id: z.string().min(1),
  status: rawStatus,
  lastExecutionStartDate: z.unknown().optional().transform(toIsoDate),
});

export type CelonisJob = z.infer<typeof celonisJob>;
export type CelonisJobStatus = z.infer<typeof celonisJobStatus>;

function toJobStatus(value: unknown): JobStatus | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const upper = String(value).toUpperCase();

  return (JOB_STATUSES as readonly string[]).includes(upper)
    ? (upper as KnownJobStatus)
    : 'UNKNOWN';
}

/** Epoch milliseconds or an ISO string, as Celonis may send either. */
function toIsoDate(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() === '') {
    return null;
  }
  if (typeof value !== 'number' && typeof value !== 'string') {
    return null;
  }
  const asNumber = typeof value === 'number' ? value : Number(value);
  const date = new Date(Number.isFinite(asNumber) ? asNumber : String(value));

  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * A job from its definition and, when it has run, its status entry. The
 * job object's status wins: it is the one polling reads after a cancel, so
 * every route shows the same status for the same moment; the status list
 * fills in when the job object has none.
 */
export function toJob(job: CelonisJob, status?: CelonisJobStatus): Job {
  return {
    id: job.id.toLowerCase(),
    name: job.name ?? '',
    status: job.status ?? status?.status ?? null,
    dataSourceId: job.dataSourceId?.toLowerCase() ?? null,
    currentExecutionId: job.currentExecutionId,
    lastExecutionStartDate: status?.lastExecutionStartDate ?? null,
  };
}

/** Jobs of a pool: every definition, merged with the status list by id. */
export function mergeJobs(
  jobs: readonly CelonisJob[],
  statuses: readonly CelonisJobStatus[],
): Job[] {
  const byId = new Map(
    statuses.map((entry) => [entry.id.toLowerCase(), entry]),
  );

  return jobs.map((job) => toJob(job, byId.get(job.id.toLowerCase())));
}

/**
 * Jobs as an aligned text table for people at a terminal.
 *
 * @example
 * formatJobsTable(jobs);
 * // NAME         STATUS   STARTED               ID
 * // Extract P2P  RUNNING  2026-12-03T22:01:00Z  0bae5839-...
 */
export function formatJobsTable(jobs: readonly Job[]): string {
  const rows = [
    ['NAME', 'STATUS', 'STARTED', 'ID'],
    ...jobs.map((job) => [
      oneLine(job.name) || '-',
      job.status ?? '-',
      job.lastExecutionStartDate?.replace(/\.\d{3}Z$/, 'Z') ?? '-',
      job.id,
    ]),
  ];
  const widths = [0, 1, 2].map((column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );

  return `${lines.join('\n')}\n`;
}

// A line break or tab would break the table's columns, and a control
// character (an escape sequence, say) would reach the reader's terminal.
function oneLine(text: string): string {
  return text
    .replaceAll(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replaceAll(/\s+/g, ' ')
    .trim();
}
