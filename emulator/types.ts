/**
 * The public vocabulary of the Celonis emulator: seeds, options, faults and
 * the handle returned by `startCelonisEmulator`.
 * @module
 */

export type JobStatus =
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCESS'
  | 'CANCEL'
  | 'FAIL'
  | 'SKIPPED';

export const JOB_STATUSES: readonly JobStatus[] = [
  'QUEUED',
  'RUNNING',
  'SUCCESS',
  'CANCEL',
  'FAIL',
  'SKIPPED',
];

export interface JobSeed {
  id: string;
  name: string;
  /** The connection the job extracts from; null for global jobs. */
  dataSourceId?: string | null;
  /** Null or absent: the job never ran (absent from `/logs/status`). */
  status?: JobStatus | null;
  /** Epoch ms or an ISO string, answered as given; default: now for runs. */
  lastExecutionStartDate?: number | string | null;
  /** A cancel is accepted, but the job never leaves RUNNING or QUEUED. */
  stubborn?: boolean;
  /** Every cancel of this job answers 500 with a JSON error body. */
  cancelFails?: boolean;
}

export interface PoolSeed {
  id: string;
  name: string;
  jobs: JobSeed[];
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Lifetime of issued tokens; fractions allowed for tests. Default 3600. */
  tokenTtlSeconds?: number;
}

export interface Credentials {
  appKeys?: string[];
  apiKeys?: string[];
  oauthClients?: OAuthClient[];
}

export interface EmulatorOptions extends Credentials {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a random free port. */
  port?: number;
  pools?: PoolSeed[];
  /** Time from a cancel to status CANCEL. Default 3000. */
  cancelDelayMs?: number;
  /** How long the cancel request itself takes to answer. Default 0. */
  cancelResponseDelayMs?: number;
  /** Added to every Celonis answer. Default 0. */
  latencyMs?: number;
  /** Requests per second across all Celonis routes; null: unlimited. */
  rateLimitPerSecond?: number | null;
  /** Secrets Manager: secret name -> SecretString. */
  secrets?: Record<string, string>;
}

export interface EmulatorSettings {
  latencyMs?: number;
  rateLimitPerSecond?: number | null;
  cancelDelayMs?: number;
  cancelResponseDelayMs?: number;
}

export type FaultKind =
  | '429'
  | '429-no-headers'
  | '500'
  | '502'
  | '503'
  | '504'
  | 'hang'
  | 'reset'
  | 'html'
  | 'empty'
  | 'wrong-shape'
  | 'truncated'
  | '401'
  | '403';

export const FAULT_KINDS: readonly FaultKind[] = [
  '429',
  '429-no-headers',
  '500',
  '502',
  '503',
  '504',
  'hang',
  'reset',
  'html',
  'empty',
  'wrong-shape',
  'truncated',
  '401',
  '403',
];

export type RouteName =
  | 'jobs'
  | 'status'
  | 'job'
  | 'cancel'
  | 'token'
  | 'pools';

export const ROUTE_NAMES: readonly RouteName[] = [
  'jobs',
  'status',
  'job',
  'cancel',
  'token',
  'pools',
];

export interface Fault {
  /** Absent or '*': any Celonis route, the token route included. */
  route?: RouteName | '*';
  kind: FaultKind;
  /** How many requests it hits; absent: until cleared. */
  times?: number;
  /** For '429': the `x-ratelimit-reset` value. Default 1. */
  retryAfterSeconds?: number;
}

export type RecordedAuth = 'appkey' | 'bearer' | 'none' | 'other';

export interface RecordedRequest {
  /** Arrival time, epoch ms. */
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  route: RouteName | 'secrets' | 'sns' | 'unknown';
  /** 0 while unanswered, and for requests that never get an answer. */
  status: number;
  /** The kind of credential only, never the credential itself. */
  auth: RecordedAuth;
}

/** A data job as `GET /pools/{poolId}/jobs/{jobId}` answers it. */
export interface EmulatedJob {
  id: string;
  name: string;
  dataPoolId: string;
  dataSourceId: string | null;
  /** Epoch ms of the last change of the job. */
  timeStamp: number;
  status: JobStatus | null;
  currentExecutionId: string | null;
  dagBasedExecutionEnabled: null;
  latestExecutionItemId: string | null;
  /** A field no client knows, so clients must parse leniently. */
  schedulingType: null;
}

/** What the unauthenticated control view shows of a job. */
export interface EmulatedJobView extends EmulatedJob {
  lastExecutionStartDate: number | string | null;
}

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
}

export interface CelonisEmulator {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:43121. */
  readonly url: string;
  /** Closes the server and every socket (hanging ones too), clears timers. */
  close(): Promise<void>;
  /** Back to the state at start: seeds, settings, credentials, secrets. */
  reset(): void;
  addPool(pool: PoolSeed): void;
  addJob(poolId: string, job: JobSeed): void;
  setJobStatus(poolId: string, jobId: string, status: JobStatus | null): void;
  getJob(poolId: string, jobId: string): EmulatedJob | undefined;
  /** Faults are consumed in the order they were added. */
  setFault(fault: Fault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setRateLimit(perSecond: number | null): void;
  setCancelDelay(ms: number): void;
  setCancelResponseDelay(ms: number): void;
  /** Replaces the accepted credentials of each kind given. */
  setCredentials(credentials: Credentials): void;
  putSecret(name: string, value: string): void;
  requests(): RecordedRequest[];
  clearRequests(): void;
  publishedMessages(): PublishedMessage[];
}
