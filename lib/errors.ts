/**
 * The service's error vocabulary. Every error that reaches a caller is a
 * `ServiceError`: its status, title and detail become one
 * `application/problem+json` answer in `lib/http.ts`. Details are written
 * for the caller; they never carry a credential, a token or Celonis's raw
 * body.
 */

export interface ServiceErrorOptions {
  cause?: unknown;
  headers?: Record<string, string>;
}

export class ServiceError extends Error {
  readonly statusCode: number;
  readonly title: string;
  readonly headers: Record<string, string>;

  constructor(
    statusCode: number,
    title: string,
    detail: string,
    options: ServiceErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.title = title;
    this.headers = options.headers ?? {};
  }

  /** A stable URI that names the kind of problem, for the `type` member. */
  get type(): string {
    const slug = this.title.toLowerCase().replaceAll(/[^a-z0-9]+/g, '-');

    return `urn:celonis-job-control:problem:${slug}`;
  }
}

export class BadRequestError extends ServiceError {
  constructor(detail: string, options?: ServiceErrorOptions) {
    super(400, 'Bad request', detail, options);
  }
}

export class UnauthorizedError extends ServiceError {
  constructor(detail: string) {
    super(401, 'Unauthorized', detail, {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
}

export class ForbiddenError extends ServiceError {
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
  }
}

export class NotFoundError extends ServiceError {
  constructor(detail: string) {
    super(404, 'Not found', detail);
  }
}

/** The service's own setup is wrong: a secret of the wrong shape, say. */
export class ConfigurationError extends ServiceError {
  constructor(detail: string, options?: ServiceErrorOptions) {
    super(500, 'Service misconfigured', detail, options);
  }
}

/** Celonis answered, but with an error or an answer the service cannot use. */
export class CelonisError extends ServiceError {
  constructor(detail: string, options?: ServiceErrorOptions) {
    super(502, 'Celonis error', detail, options);
  }
}

/** Celonis is rate limiting or unavailable, and retries did not help. */
export class CelonisUnavailableError extends ServiceError {
  readonly retryAfterSeconds: number | undefined;

  constructor(
    detail: string,
    retryAfterSeconds?: number,
    options: ServiceErrorOptions = {},
  ) {
    const headers: Record<string, string> =
      retryAfterSeconds === undefined
        ? {}
        : { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) };
    super(503, 'Celonis unavailable', detail, { ...options, headers });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Celonis did not answer before the deadline. */
export class CelonisTimeoutError extends ServiceError {
  constructor(detail: string, options?: ServiceErrorOptions) {
    super(504, 'Celonis timeout', detail, options);
  }
}

/** Thrown while loading a module, so a bad deploy fails at cold start. */
export class ConfigVariableError extends Error {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigVariableError';
    this.variable = variable;
  }
}
