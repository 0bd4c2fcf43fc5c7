import { describe, expect, it } from 'vitest';
import type { Pool } from '../../../lib/config.ts';
import {
  BadRequestError,
  CelonisError,
  CelonisTimeoutError,
  CelonisUnavailableError,
  ConfigurationError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../../../lib/errors.ts';
import {
  header,
  parseJobId,
  problemResponse,
  readBoolean,
  readJsonBody,
  readQuery,
  readSeconds,
  resolvePool,
} from '../../../lib/http.ts';
import { httpEvent } from '../../helpers/events.ts';
import { LEAK_MARKER } from '../../helpers/secrets.ts';
import { thrown } from '../../helpers/thrown.ts';

const SAP: Pool = {
  alias: 'sap-ecc',
  id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
};
const CRM: Pool = { alias: 'crm', id: '0e6b7a55-2c1f-4d3e-8a9b-1c2d3e4f5a6b' };
const POOLS = [SAP, CRM];
const JOB_ID = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';

function problem(
  status: number,
  title: string,
  slug: string,
  detail: string,
  headers: Record<string, string> = {},
) {
  return {
    statusCode: status,
    headers: {
      'cache-control': 'no-store',
      'content-type': 'application/problem+json',
      ...headers,
    },
    body: JSON.stringify({
      type: `urn:celonis-job-control:problem:${slug}`,
      title,
      status,
      detail,
    }),
  };
}

describe('problemResponse', () => {
  it.each([
    [
      'BadRequestError',
      new BadRequestError('wait: expected seconds from 0 to 25.'),
      problem(
        400,
        'Bad request',
        'bad-request',
        'wait: expected seconds from 0 to 25.',
      ),
    ],
    [
      'UnauthorizedError',
      new UnauthorizedError('The bearer token is not valid.'),
      problem(
        401,
        'Unauthorized',
        'unauthorized',
        'The bearer token is not valid.',
        { 'www-authenticate': 'Bearer' },
      ),
    ],
    [
      'ForbiddenError',
      new ForbiddenError('This token lacks the scope jobs:cancel.'),
      problem(
        403,
        'Forbidden',
        'forbidden',
        'This token lacks the scope jobs:cancel.',
      ),
    ],
    [
      'NotFoundError',
      new NotFoundError('Pool finance is not configured in this service.'),
      problem(
        404,
        'Not found',
        'not-found',
        'Pool finance is not configured in this service.',
      ),
    ],
    [
      'ConfigurationError',
      new ConfigurationError('The callers secret is malformed.'),
      problem(
        500,
        'Service misconfigured',
        'service-misconfigured',
        'The callers secret is malformed.',
      ),
    ],
    [
      'CelonisError',
      new CelonisError('Celonis (GET /pools/{poolId}/jobs) answered HTTP 500.'),
      problem(
        502,
        'Celonis error',
        'celonis-error',
        'Celonis (GET /pools/{poolId}/jobs) answered HTTP 500.',
      ),
    ],
    [
      'CelonisUnavailableError with a hint',
      new CelonisUnavailableError('Celonis is rate limiting.', 2.2),
      problem(
        503,
        'Celonis unavailable',
        'celonis-unavailable',
        'Celonis is rate limiting.',
        { 'retry-after': '3' },
      ),
    ],
    [
      'CelonisUnavailableError without a hint',
      new CelonisUnavailableError('Celonis could not be reached.'),
      problem(
        503,
        'Celonis unavailable',
        'celonis-unavailable',
        'Celonis could not be reached.',
      ),
    ],
    [
      'CelonisTimeoutError',
      new CelonisTimeoutError('Celonis did not answer in time.'),
      problem(
        504,
        'Celonis timeout',
        'celonis-timeout',
        'Celonis did not answer in time.',
      ),
    ],
  ])('answers a %s as its problem', (_name, error, expected) => {
    // Act
    const response = problemResponse(error);

    // Assess
    expect(response).toEqual(expected);
  });

  it('answers retry-after of at least one whole second', () => {
    // Act
    const response = problemResponse(
      new CelonisUnavailableError('Celonis is rate limiting.', 0.05),
    );

    // Assess
    expect(response.headers['retry-after']).toBe('1');
  });

  it.each([
    ['an Error', new Error(`connection string ${LEAK_MARKER} refused`)],
    ['a TypeError', new TypeError(`cannot read ${LEAK_MARKER}`)],
    ['a thrown string', `raw ${LEAK_MARKER}`],
    ['undefined', undefined],
  ])('answers 500 without a word of %s', (_case, error) => {
    // Act
    const response = problemResponse(error);

    // Assess
    expect(response).toEqual(
      problem(
        500,
        'Internal error',
        'internal-error',
        'The service failed unexpectedly; the request id in the logs tells more.',
      ),
    );
    expect(response.body).not.toContain(LEAK_MARKER);
  });

  it('keeps the cause of a wrapped error', () => {
    // Prepare
    const cause = new Error('socket hang up');

    // Act
    const error = new CelonisError('Celonis could not be read.', { cause });

    // Assess
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('CelonisError');
  });
});

describe('resolvePool', () => {
  it.each([
    ['an alias', 'crm', CRM],
    ['an id', SAP.id, SAP],
    ['an id in upper case', SAP.id.toUpperCase(), SAP],
  ])('finds the pool named by %s', (_case, raw, expected) => {
    // Act
    const pool = resolvePool(POOLS, raw);

    // Assess
    expect(pool).toEqual(expected);
  });

  it.each([
    ['a well-formed alias', 'finance'],
    ['a well-formed id', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'],
  ])('throws 404 when %s is not configured', (_case, raw) => {
    // Act
    const error = thrown(() => resolvePool(POOLS, raw));

    // Assess
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      message: `Pool ${raw} is not configured in this service.`,
    });
  });

  it.each([
    ['an upper-case alias', 'CRM'],
    ['a path traversal', '../crm'],
    ['an alias of 65 characters', 'a'.repeat(65)],
    ['an encoded slash', 'crm%2Fjobs'],
    ['an empty segment', ''],
    ['no segment', undefined],
  ])('throws 400 when the pool is %s', (_case, raw) => {
    // Act
    const error = thrown(() => resolvePool(POOLS, raw));

    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      message:
        'pool: expected a pool alias (1-64 of a-z, 0-9, - and _) or a pool id (UUID).',
    });
  });
});

describe('parseJobId', () => {
  it('lower-cases a job id', () => {
    // Act
    const jobId = parseJobId(JOB_ID.toUpperCase());

    // Assess
    expect(jobId).toBe(JOB_ID);
  });

  it.each([
    ['not a UUID', 'main-job'],
    ['a UUID with a suffix', `${JOB_ID}/cancel`],
    ['missing', undefined],
  ])('throws 400 when the job id is %s', (_case, raw) => {
    // Act
    const error = thrown(() => parseJobId(raw));

    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      message: 'jobId: expected a data job id (UUID).',
    });
  });
});

describe('readQuery', () => {
  it('answers the known parameters', () => {
    // Prepare
    const event = httpEvent({
      path: '/',
      query: { wait: '5', dryRun: 'true' },
    });

    // Act
    const query = readQuery(event, ['wait', 'dryRun']);

    // Assess
    expect(query).toEqual({ wait: '5', dryRun: 'true' });
  });

  it('answers an empty query when there is none', () => {
    // Prepare
    const event = httpEvent({ path: '/' });

    // Act
    const query = readQuery(event, ['wait']);

    // Assess
    expect(query).toEqual({});
  });

  it('throws 400 naming an unknown parameter and the accepted ones', () => {
    // Prepare
    const event = httpEvent({
      path: '/',
      query: { wait: '5', dryrun: 'true' },
    });

    // Act
    const error = thrown(() => readQuery(event, ['wait', 'dryRun']));

    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      message: 'Unknown query parameter dryrun; accepted: wait, dryRun.',
    });
  });

  it('throws 400 when the route accepts no parameter', () => {
    // Prepare
    const event = httpEvent({ path: '/', query: { status: 'RUNNING' } });

    // Act
    const error = thrown(() => readQuery(event, []));

    // Assess
    expect(error).toMatchObject({
      statusCode: 400,
      message: 'Unknown query parameter status; accepted: none.',
    });
  });
});

describe('readSeconds', () => {
  it.each([
    [undefined, 10],
    ['', 10],
    ['0', 0],
    ['2.5', 2.5],
    ['25', 25],
  ])('reads %j as %d seconds', (raw, expected) => {
    // Act
    const seconds = readSeconds('wait', raw, 25, 10);

    // Assess
    expect(seconds).toBe(expected);
  });

  it.each(['26', '-1', 'ten', 'Infinity', 'NaN'])(
    'throws 400 when the value is %j',
    (raw) => {
      // Act
      const error = thrown(() => readSeconds('wait', raw, 25, 10));

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({
        message: 'wait: expected seconds from 0 to 25.',
      });
    },
  );
});

describe('readBoolean', () => {
  it.each([
    [undefined, true],
    ['true', true],
    ['false', false],
  ])('reads %j', (raw, expected) => {
    // Act
    const value = readBoolean('dryRun', raw, true);

    // Assess
    expect(value).toBe(expected);
  });

  it.each(['TRUE', '1', 'yes', ''])(
    'throws 400 when the value is %j',
    (raw) => {
      // Act
      const error = thrown(() => readBoolean('dryRun', raw, false));

      // Assess
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({
        message: 'dryRun: expected true or false.',
      });
    },
  );
});

describe('readJsonBody', () => {
  it('reads a JSON body', () => {
    // Prepare
    const event = httpEvent({ path: '/', body: { reason: 'night run' } });

    // Act
    const body = readJsonBody(event);

    // Assess
    expect(body).toEqual({ reason: 'night run' });
  });

  it('reads a base64-encoded JSON body', () => {
    // Prepare
    const event = {
      ...httpEvent({ path: '/' }),
      body: Buffer.from('{"reason":"night run ✓"}').toString('base64'),
      isBase64Encoded: true,
    };

    // Act
    const body = readJsonBody(event);

    // Assess
    expect(body).toEqual({ reason: 'night run ✓' });
  });

  it.each([
    ['no body', undefined],
    ['an empty body', ''],
    ['a body of blanks', ' \n\t'],
  ])('answers undefined for %s', (_case, raw) => {
    // Prepare
    const event = httpEvent({
      path: '/',
      ...(raw !== undefined && { body: raw }),
    });

    // Act
    const body = readJsonBody(event);

    // Assess
    expect(body).toBeUndefined();
  });

  it.each([
    ['text', 'cancel please'],
    ['truncated JSON', '{"reason":"nig'],
    ['a form', 'reason=night'],
  ])('throws 400 when the body is %s', (_case, raw) => {
    // Prepare
    const event = httpEvent({ path: '/', body: raw });

    // Act
    const error = thrown(() => readJsonBody(event));

    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ message: 'body: expected JSON.' });
  });
});

describe('header', () => {
  it.each(['Authorization', 'AUTHORIZATION', 'authorization'])(
    'finds a header sent as %s',
    (name) => {
      // Prepare
      const event = httpEvent({ path: '/', headers: { [name]: 'Bearer abc' } });

      // Act
      const value = header(event, 'authorization');

      // Assess
      expect(value).toBe('Bearer abc');
    },
  );

  it('finds a header whatever the case of the name asked for', () => {
    // Prepare
    const event = httpEvent({ path: '/', headers: { accept: 'text/plain' } });

    // Act
    const value = header(event, 'Accept');

    // Assess
    expect(value).toBe('text/plain');
  });

  it('answers undefined for a missing header or no headers', () => {
    // Prepare
    const event = { ...httpEvent({ path: '/' }), headers: undefined };

    // Act
    const missing = header(httpEvent({ path: '/' }), 'authorization');
    const none = header(event as never, 'authorization');

    // Assess
    expect([missing, none]).toEqual([undefined, undefined]);
  });
});
