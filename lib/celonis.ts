/**
 * The Celonis client: the only place that builds Celonis URLs, always from
 * a configured pool id and a validated job id. It authenticates every call,
 * re-reads the credentials once after a 401 or 403, checks that an answer
 * is JSON of the expected shape, and turns everything else into a
 * `ServiceError` that names the endpoint without echoing the body.
 */
import * as z from 'zod';
import {
  type CelonisHttp,
  type CelonisResponse,
  extractMessage,
} from './celonis-http.ts';
import {
  type Authorization,
  type CelonisAuth,
  OAuthRejectedError,
} from './credentials.ts';
import type { Deadline } from './deadline.ts';
import { CelonisError, NotFoundError } from './errors.ts';
import { isUuid } from './ids.ts';
import {
  celonisJob,
  celonisJobStatus,
  type Job,
  mergeJobs,
  toJob,
} from './jobs.ts';
import { logger } from './logger.ts';

const API = '/integration/api';

// Built once: building a zod schema costs more than checking a list with it.
const jobList = z.array(celonisJob);
const statusList = z.array(celonisJobStatus);

interface Call {
  method: 'GET' | 'POST';
  path: string;
  endpoint: string;
  deadline: Deadline;
}

export class CelonisClient {
  readonly #http: CelonisHttp;
  readonly #auth: CelonisAuth;

  constructor(http: CelonisHttp, auth: CelonisAuth) {
    this.#http = http;
    this.#auth = auth;
  }

  /**
   * Every data job of a pool with its name and last execution, from the job
   * list and the status list fetched concurrently.
   */
  async listJobs(poolId: string, deadline: Deadline): Promise<Job[]> {
    const pool = poolPath(poolId);
    const [jobs, statuses] = await Promise.all([
      this.#json(
        {
          method: 'GET',
          path: `${pool}/jobs`,
          endpoint: 'GET /pools/{poolId}/jobs',
          deadline,
        },
        jobList,
      ),
      this.#json(
        {
          method: 'GET',
          path: `${pool}/logs/status`,
          endpoint: 'GET /pools/{poolId}/logs/status',
          deadline,
        },
        statusList,
      ),
    ]);

    return mergeJobs(jobs, statuses);
  }

  /** The job list alone: one call, enough to follow statuses while waiting. */
  async listJobStatuses(poolId: string, deadline: Deadline): Promise<Job[]> {
    const jobs = await this.#json(
      {
        method: 'GET',
        path: `${poolPath(poolId)}/jobs`,
        endpoint: 'GET /pools/{poolId}/jobs',
        deadline,
      },
      jobList,
    );

    return jobs.map((job) => toJob(job));
  }

  /** One data job; a 404 from Celonis becomes a 404 for the caller. */
  async getJob(
    poolId: string,
    jobId: string,
    deadline: Deadline,
  ): Promise<Job> {
    return toJob(await this.#rawJob(poolId, jobId, deadline));
  }

  /**
   * One data job with the start of its last execution, which only the
   * status list carries.
   */
  async getJobWithLastRun(
    poolId: string,
    jobId: string,
    deadline: Deadline,
  ): Promise<Job> {
    assertUuid(jobId);
    const [job, statuses] = await Promise.all([
      this.#rawJob(poolId, jobId, deadline),
      this.#json(
        {
          method: 'GET',
          path: `${poolPath(poolId)}/logs/status`,
          endpoint: 'GET /pools/{poolId}/logs/status',
          deadline,
        },
        statusList,
      ),
    ]);
    const id = job.id.toLowerCase();

    return toJob(
      job,
      statuses.find((status) => status.id.toLowerCase() === id),
    );
  }

  #rawJob(poolId: string, jobId: string, deadline: Deadline) {
    return this.#json(
      {
        method: 'GET',
        path: jobPath(poolId, jobId),
        endpoint: 'GET /pools/{poolId}/jobs/{jobId}',
        deadline,
      },
      celonisJob,
      `Data job ${jobId} was not found in the pool.`,
    );
  }

  /** Asks Celonis to cancel the job's running execution. */
  async cancelJob(
    poolId: string,
    jobId: string,
    deadline: Deadline,
  ): Promise<void> {
    const call: Call = {
      method: 'POST',
      path: `${jobPath(poolId, jobId)}/cancel`,
      endpoint: 'POST /pools/{poolId}/jobs/{jobId}/cancel',
      deadline,
    };
    const answer = await this.#authorized(call);
    if (answer.status === 404) {
      throw new NotFoundError(`Data job ${jobId} was not found in the pool.`);
    }
    if (answer.status < 200 || answer.status > 299) {
      throw celonisRefused(call, answer);
    }
    // Celonis acknowledges a cancel with an empty body. A web page comes
    // from something else (a wrong path, a login page), so the cancel may
    // not have reached Celonis.
    if ((answer.headers.get('content-type') ?? '').includes('html')) {
      throw unusable(call, 'an HTML page instead of an acknowledgement');
    }
  }

  async #json<T>(
    call: Call,
    schema: z.ZodType<T>,
    notFound?: string,
  ): Promise<T> {
    const answer = await this.#authorized(call);
    if (answer.status === 404 && notFound !== undefined && isJson(answer)) {
      throw new NotFoundError(notFound);
    }
    if (answer.status !== 200) {
      throw celonisRefused(call, answer);
    }
    if (!isJson(answer) || answer.text.trim() === '') {
      throw unusable(call, describeContent(answer));
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw unusable(call, 'a body that is not valid JSON');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw unusable(call, 'JSON of an unexpected shape');
    }

    return parsed.data;
  }

  /** Sends with credentials; after a 401 or 403, re-reads them and tries once more. */
  async #authorized(call: Call): Promise<CelonisResponse> {
    let status = 0;
    for (let round = 1; round <= 2; round++) {
      const authorization = await this.#authorization(call);
      if (authorization instanceof OAuthRejectedError) {
        status = authorization.status;
        await this.#auth.reject(authorization.authorization());
        continue;
      }
      const answer = await this.#http.send({
        ...call,
        headers: {
          authorization: authorization.header,
          accept: 'application/json',
        },
      });
      if (answer.status !== 401 && answer.status !== 403) {
        return answer;
      }
      status = answer.status;
      logger.warn('celonis rejected credentials', {
        endpoint: call.endpoint,
        status,
        round,
      });
      await this.#auth.reject(authorization);
    }

    throw new CelonisError(
      `Celonis rejected the service's own credentials (HTTP ${status}). Check the Celonis credentials secret and the key's permissions on the pool.`,
    );
  }

  async #authorization(
    call: Call,
  ): Promise<Authorization | OAuthRejectedError> {
    try {
      return await this.#auth.authorization(call.deadline);
    } catch (error) {
      if (error instanceof OAuthRejectedError) {
        return error;
      }
      throw error;
    }
  }
}

function poolPath(poolId: string): string {
  assertUuid(poolId);

  return `${API}/pools/${poolId}`;
}

function jobPath(poolId: string, jobId: string): string {
  assertUuid(jobId);

  return `${poolPath(poolId)}/jobs/${jobId}`;
}

// Guards the only place that builds URLs: an id that is not a UUID here is
// a bug in the caller, never something to send to Celonis.
function assertUuid(id: string): void {
  if (!isUuid(id)) {
    throw new TypeError('Celonis ids must be UUIDs');
  }
}

function isJson(answer: CelonisResponse): boolean {
  return (answer.headers.get('content-type') ?? '').includes('json');
}

function describeContent(answer: CelonisResponse): string {
  const type = answer.headers.get('content-type') ?? '';
  if (answer.text.trim() === '') {
    return 'an empty body';
  }
  if (type.includes('html')) {
    return 'an HTML page instead of JSON';
  }

  return `content of type ${type || 'unknown'} instead of JSON`;
}

function unusable(call: Call, problem: string): CelonisError {
  return new CelonisError(
    `Celonis (${call.endpoint}) answered with ${problem}.`,
  );
}

function celonisRefused(call: Call, answer: CelonisResponse): CelonisError {
  const message = extractMessage(answer);
  const suffix = message ? `: ${message}` : '';

  return new CelonisError(
    `Celonis (${call.endpoint}) answered HTTP ${answer.status}${suffix}.`,
  );
}
