import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  type FaultKind,
  type RouteName,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';
import type { CelonisClient } from '../../../lib/celonis.ts';
import { extractMessage } from '../../../lib/celonis-http.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { CelonisError, NotFoundError } from '../../../lib/errors.ts';
import type { Job } from '../../../lib/jobs.ts';
import {
  CELONIS_SECRET_ID,
  createCelonisStack,
} from '../../helpers/celonis-stack.ts';
import {
  APP_KEY,
  LEAK_MARKER,
  OAUTH_CLIENT,
  ROTATED_APP_KEY,
} from '../../helpers/secrets.ts';

const POOL_ID = '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1';
const RUNNING_ID = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';
const FINISHED_ID = '22222222-3333-4444-8555-666666666666';
const NEVER_RAN_ID = '33333333-4444-4555-8666-777777777777';
const QUEUED_ID = '44444444-5555-4666-8777-888888888888';
const UNKNOWN_ID = '99999999-8888-4777-8666-555555555555';
const SOURCE_ID = '3702de43-b181-4b5b-90da-87e056ce7616';
const STARTED_AT = Date.UTC(2026, 11, 3, 22, 1);

const secretsManager = mockClient(SecretsManagerClient);

describe('CelonisClient', () => {
  let emulator: CelonisEmulator;
  let client: CelonisClient;

  const deadline = () => new Deadline(Date.now() + 5_000);
  const executionOf = (jobId: string) =>
    emulator.getJob(POOL_ID, jobId)?.currentExecutionId ?? null;
  const routes = () => emulator.requests().map((r) => [r.route, r.status]);

  function useSecrets(...values: string[]): void {
    const stub = secretsManager.on(GetSecretValueCommand, {
      SecretId: CELONIS_SECRET_ID,
    });
    for (const value of values.slice(0, -1)) {
      stub.resolvesOnce({ SecretString: value });
    }
    stub.resolves({ SecretString: values.at(-1) ?? '' });
  }

  beforeAll(async () => {
    emulator = await startCelonisEmulator({
      appKeys: [APP_KEY],
      oauthClients: [OAUTH_CLIENT],
      pools: [
        {
          id: POOL_ID,
          name: 'SAP ECC',
          jobs: [
            {
              id: RUNNING_ID,
              name: 'Extract P2P',
              dataSourceId: SOURCE_ID,
              status: 'RUNNING',
              lastExecutionStartDate: STARTED_AT,
            },
            {
              id: FINISHED_ID,
              name: 'Extract O2C',
              status: 'SUCCESS',
              lastExecutionStartDate: '2026-12-02T01:00:00Z',
            },
            { id: NEVER_RAN_ID, name: 'Transform', status: null },
            {
              id: QUEUED_ID,
              name: 'Load',
              status: 'QUEUED',
              lastExecutionStartDate: STARTED_AT,
            },
          ],
        },
      ],
    });
  });

  afterAll(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    emulator.reset();
    secretsManager.reset();
    useSecrets(APP_KEY);
    client = createCelonisStack({ url: emulator.url }).client;
  });

  describe('listJobs', () => {
    it('merges every job with its last execution', async () => {
      // Act
      const jobs = await client.listJobs(POOL_ID, deadline());

      // Assess
      expect(jobs).toEqual<Job[]>([
        {
          id: RUNNING_ID,
          name: 'Extract P2P',
          status: 'RUNNING',
          dataSourceId: SOURCE_ID,
          currentExecutionId: executionOf(RUNNING_ID),
          lastExecutionStartDate: '2026-12-03T22:01:00.000Z',
        },
        {
          id: FINISHED_ID,
          name: 'Extract O2C',
          status: 'SUCCESS',
          dataSourceId: null,
          currentExecutionId: null,
          lastExecutionStartDate: '2026-12-02T01:00:00.000Z',
        },
        {
          id: NEVER_RAN_ID,
          name: 'Transform',
          status: null,
          dataSourceId: null,
          currentExecutionId: null,
          lastExecutionStartDate: null,
        },
        {
          id: QUEUED_ID,
          name: 'Load',
          status: 'QUEUED',
          dataSourceId: null,
          currentExecutionId: executionOf(QUEUED_ID),
          lastExecutionStartDate: '2026-12-03T22:01:00.000Z',
        },
      ]);
      expect(executionOf(RUNNING_ID)).toEqual(expect.any(String));
    });

    it('reads the job list and the status list with the application key', async () => {
      // Act
      await client.listJobs(POOL_ID, deadline());

      // Assess
      const requests = emulator.requests().map((r) => ({
        method: r.method,
        path: r.path,
        status: r.status,
        auth: r.auth,
      }));
      expect(requests).toHaveLength(2);
      expect(requests).toEqual(
        expect.arrayContaining([
          {
            method: 'GET',
            path: `/integration/api/pools/${POOL_ID}/jobs`,
            status: 200,
            auth: 'appkey',
          },
          {
            method: 'GET',
            path: `/integration/api/pools/${POOL_ID}/logs/status`,
            status: 200,
            auth: 'appkey',
          },
        ]),
      );
    });
  });

  describe('listJobStatuses', () => {
    it('reads the job list alone', async () => {
      // Act
      const jobs = await client.listJobStatuses(POOL_ID, deadline());

      // Assess
      expect(
        jobs.map((job) => [job.id, job.status, job.lastExecutionStartDate]),
      ).toEqual([
        [RUNNING_ID, 'RUNNING', null],
        [FINISHED_ID, 'SUCCESS', null],
        [NEVER_RAN_ID, null, null],
        [QUEUED_ID, 'QUEUED', null],
      ]);
      expect(routes()).toEqual([['jobs', 200]]);
    });
  });

  describe('getJob', () => {
    it('reads one job', async () => {
      // Act
      const job = await client.getJob(POOL_ID, RUNNING_ID, deadline());

      // Assess
      expect(job).toEqual({
        id: RUNNING_ID,
        name: 'Extract P2P',
        status: 'RUNNING',
        dataSourceId: SOURCE_ID,
        currentExecutionId: executionOf(RUNNING_ID),
        lastExecutionStartDate: null,
      });
    });

    it('throws NotFoundError when Celonis does not know the job', async () => {
      // Act
      const reading = client.getJob(POOL_ID, UNKNOWN_ID, deadline());

      // Assess
      await expect(reading).rejects.toBeInstanceOf(NotFoundError);
      await expect(reading).rejects.toThrow(
        `Data job ${UNKNOWN_ID} was not found in the pool.`,
      );
    });
  });

  describe('getJobWithLastRun', () => {
    it('reads one job with the start of its last execution', async () => {
      // Act
      const job = await client.getJobWithLastRun(
        POOL_ID,
        FINISHED_ID,
        deadline(),
      );

      // Assess
      expect(job).toEqual({
        id: FINISHED_ID,
        name: 'Extract O2C',
        status: 'SUCCESS',
        dataSourceId: null,
        currentExecutionId: null,
        lastExecutionStartDate: '2026-12-02T01:00:00.000Z',
      });
    });
  });

  describe('answers Celonis should not give', () => {
    const calls: [RouteName, string, (c: CelonisClient) => Promise<unknown>][] =
      [
        [
          'jobs',
          'GET /pools/{poolId}/jobs',
          (c) => c.listJobStatuses(POOL_ID, deadline()),
        ],
        [
          'status',
          'GET /pools/{poolId}/logs/status',
          (c) => c.listJobs(POOL_ID, deadline()),
        ],
        [
          'job',
          'GET /pools/{poolId}/jobs/{jobId}',
          (c) => c.getJob(POOL_ID, RUNNING_ID, deadline()),
        ],
      ];
    const faults: FaultKind[] = ['html', 'empty', 'truncated', 'wrong-shape'];
    const cases = calls.flatMap(([route, endpoint, call]) =>
      faults.map((kind) => [kind, endpoint, route, call] as const),
    );

    it.each(cases)(
      'throws a CelonisError for %s from %s, without the body',
      async (kind, endpoint, route, call) => {
        // Prepare
        emulator.setFault({ route, kind, times: 1 });

        // Act
        const error = await call(client).catch((e: unknown) => e);

        // Assess
        expect(error).toBeInstanceOf(CelonisError);
        const { message } = error as CelonisError;
        expect(message).toMatch(
          new RegExp(
            `^Celonis \\(${endpoint.replaceAll(/[{}]/g, '\\$&')}\\) answered with `,
          ),
        );
        for (const piece of [
          '<',
          'noscript',
          '"unexpected"',
          '"sta',
          'main job',
        ]) {
          expect(message).not.toContain(piece);
        }
      },
    );

    it('names an HTML page as such', async () => {
      // Prepare
      emulator.setFault({ route: 'jobs', kind: 'html', times: 1 });

      // Act
      const reading = client.listJobStatuses(POOL_ID, deadline());

      // Assess
      await expect(reading).rejects.toThrow(
        'Celonis (GET /pools/{poolId}/jobs) answered with an HTML page instead of JSON.',
      );
    });

    it('heals a single rate-limited answer', async () => {
      // Prepare
      emulator.setFault({ route: 'jobs', kind: '429', times: 1 });

      // Act
      const jobs = await client.listJobStatuses(POOL_ID, deadline());

      // Assess
      expect(jobs).toHaveLength(4);
      expect(routes()).toEqual([
        ['jobs', 429],
        ['jobs', 200],
      ]);
    });
  });

  describe('credentials', () => {
    it('reads the rotated key and retries once after a 401', async () => {
      // Prepare
      secretsManager.reset();
      useSecrets(APP_KEY, ROTATED_APP_KEY);
      await client.listJobStatuses(POOL_ID, deadline());
      emulator.setCredentials({ appKeys: [ROTATED_APP_KEY] });
      emulator.clearRequests();

      // Act
      const jobs = await client.listJobStatuses(POOL_ID, deadline());

      // Assess
      expect(jobs).toHaveLength(4);
      expect(routes()).toEqual([
        ['jobs', 401],
        ['jobs', 200],
      ]);
      expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
    });

    it.each([
      ['401', 401],
      ['403', 403],
    ] as const)(
      'throws a CelonisError about its own credentials after two %s answers',
      async (kind, status) => {
        // Prepare
        emulator.setFault({ route: 'jobs', kind, times: 2 });

        // Act
        const reading = client.listJobStatuses(POOL_ID, deadline());

        // Assess
        await expect(reading).rejects.toBeInstanceOf(CelonisError);
        await expect(reading).rejects.toThrow(
          `Celonis rejected the service's own credentials (HTTP ${status}). Check the Celonis credentials secret and the key's permissions on the pool.`,
        );
        expect(routes()).toEqual([
          ['jobs', status],
          ['jobs', status],
        ]);
        expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
      },
    );

    it('throws a CelonisError when the key is not accepted at all', async () => {
      // Prepare
      emulator.setCredentials({ appKeys: [] });

      // Act
      const reading = client.listJobStatuses(POOL_ID, deadline());

      // Assess
      await expect(reading).rejects.toThrow(
        /^Celonis rejected the service's own credentials \(HTTP 401\)/,
      );
      expect(routes()).toHaveLength(2);
    });

    it('throws a CelonisError when the token endpoint refuses the OAuth client twice', async () => {
      // Prepare
      secretsManager.reset();
      useSecrets(JSON.stringify(OAUTH_CLIENT));
      emulator.setCredentials({ oauthClients: [] });

      // Act
      const reading = client.listJobStatuses(POOL_ID, deadline());

      // Assess
      await expect(reading).rejects.toThrow(
        /^Celonis rejected the service's own credentials \(HTTP 401\)/,
      );
      expect(routes()).toEqual([
        ['token', 401],
        ['token', 401],
      ]);
    });

    it('fetches a new token after Celonis refused the old one', async () => {
      // Prepare
      secretsManager.reset();
      useSecrets(JSON.stringify(OAUTH_CLIENT));
      await client.listJobStatuses(POOL_ID, deadline());
      emulator.setFault({ route: 'jobs', kind: '401', times: 1 });
      emulator.clearRequests();

      // Act
      const jobs = await client.listJobStatuses(POOL_ID, deadline());

      // Assess
      expect(jobs).toHaveLength(4);
      expect(routes()).toEqual([
        ['jobs', 401],
        ['token', 200],
        ['jobs', 200],
      ]);
    });
  });

  describe('cancelJob', () => {
    it('asks Celonis to cancel the job', async () => {
      // Act
      await client.cancelJob(POOL_ID, RUNNING_ID, deadline());

      // Assess
      expect(
        emulator.requests().map((r) => [r.method, r.path, r.status]),
      ).toEqual([
        [
          'POST',
          `/integration/api/pools/${POOL_ID}/jobs/${RUNNING_ID}/cancel`,
          200,
        ],
      ]);
    });

    it('throws NotFoundError when Celonis does not know the job', async () => {
      // Act
      const cancelling = client.cancelJob(POOL_ID, UNKNOWN_ID, deadline());

      // Assess
      await expect(cancelling).rejects.toBeInstanceOf(NotFoundError);
    });

    it('throws a CelonisError when Celonis fails the cancel', async () => {
      // Prepare
      emulator.addJob(POOL_ID, {
        id: UNKNOWN_ID,
        name: 'Broken',
        status: 'RUNNING',
        cancelFails: true,
      });

      // Act
      const cancelling = client.cancelJob(POOL_ID, UNKNOWN_ID, deadline());

      // Assess
      await expect(cancelling).rejects.toBeInstanceOf(CelonisError);
      await expect(cancelling).rejects.toThrow(
        /^Celonis \(POST \/pools\/\{poolId\}\/jobs\/\{jobId\}\/cancel\) answered HTTP 500/,
      );
    });
  });

  describe('ids', () => {
    it.each([
      ['a pool alias', (c: CelonisClient) => c.listJobs('sap-ecc', deadline())],
      [
        'a pool path',
        (c: CelonisClient) => c.listJobStatuses(`${POOL_ID}/../x`, deadline()),
      ],
      [
        'a job name',
        (c: CelonisClient) => c.getJob(POOL_ID, 'main-job', deadline()),
      ],
      [
        'a job path',
        (c: CelonisClient) =>
          c.getJobWithLastRun(POOL_ID, `${RUNNING_ID}/cancel`, deadline()),
      ],
      [
        'an encoded job path',
        (c: CelonisClient) =>
          c.cancelJob(POOL_ID, '..%2F..%2Fpools', deadline()),
      ],
    ])('throws before any request for %s', async (_case, call) => {
      // Act
      const error = await call(client).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toMatchObject({ message: 'Celonis ids must be UUIDs' });
      expect(emulator.requests()).toEqual([]);
      expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 0);
    });
  });
});

describe('extractMessage', () => {
  const answer = (body: string, type = 'application/json') => ({
    status: 400,
    headers: new Headers({ 'content-type': type }),
    text: body,
  });

  it.each([
    [
      'message before shortMessage',
      { shortMessage: 'NOT_RUNNING', message: 'Job is not running' },
      'Job is not running',
    ],
    ['shortMessage alone', { shortMessage: 'NOT_RUNNING' }, 'NOT_RUNNING'],
    ['message', { message: 'Data pool locked' }, 'Data pool locked'],
    [
      'errors[0].error',
      { errors: [{ error: 'Invalid id' }, { error: 'x' }] },
      'Invalid id',
    ],
    [
      'a multi-line message',
      { message: '  Line one\n\tline two  ' },
      'Line one line two',
    ],
    ['an empty message', { message: '   ' }, undefined],
    ['an unknown shape', { detail: 'nope' }, undefined],
    ['a message of the wrong type', { message: 42 }, undefined],
    ['a list', [{ message: 'x' }], undefined],
  ])('reads %s', (_case, body, expected) => {
    // Act
    const message = extractMessage(answer(JSON.stringify(body)));

    // Assess
    expect(message).toBe(expected);
  });

  it('cuts a long message to 160 characters', () => {
    // Act
    const message = extractMessage(
      answer(JSON.stringify({ message: 'x'.repeat(500) })),
    );

    // Assess
    expect(message).toBe('x'.repeat(160));
  });

  it.each([
    ['HTML', `<html><body>${LEAK_MARKER}</body></html>`, 'text/html'],
    ['text', `message: ${LEAK_MARKER}`, 'text/plain'],
    ['invalid JSON', `{"message":"${LEAK_MARKER}"`, 'application/json'],
    [
      'JSON sent as text',
      JSON.stringify({ message: LEAK_MARKER }),
      'text/plain',
    ],
  ])('reads nothing from %s', (_case, body, type) => {
    // Act
    const message = extractMessage(answer(body, type));

    // Assess
    expect(message).toBeUndefined();
  });
});
