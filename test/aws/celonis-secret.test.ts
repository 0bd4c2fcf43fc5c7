/**
 * The Celonis credentials secret, read by the real Secrets Manager client
 * from moto, in every shape the README lists, through the status
 * function's list route against the Celonis emulator.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CelonisEmulator, Credentials } from '../../emulator/celonis.ts';
import { lambdaContext } from '../helpers/events.ts';
import type { HandlerHarness } from '../helpers/handler-harness.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import {
  connectMoto,
  createSecret,
  type Moto,
  secretReads,
  type TestSecret,
  uniqueName,
} from '../helpers/moto.ts';
import {
  API_KEY,
  APP_KEY,
  callersSecret,
  LEAK_MARKER,
  OAUTH_CLIENT,
  READER_TOKEN,
} from '../helpers/secrets.ts';
import { listJobsEvent, startMotoHarness } from './fixtures.ts';

const nothingAccepted = { appKeys: [], apiKeys: [], oauthClients: [] };

interface Shape {
  shape: string;
  secret: string;
  accepted: Credentials;
  apiAuth: 'appkey' | 'bearer';
  tokenRequests: number;
}

const shapes: Shape[] = [
  {
    shape: 'plain text (an application key)',
    secret: APP_KEY,
    accepted: { appKeys: [APP_KEY] },
    apiAuth: 'appkey',
    tokenRequests: 0,
  },
  {
    shape: '{"appKey"}',
    secret: JSON.stringify({ appKey: APP_KEY }),
    accepted: { appKeys: [APP_KEY] },
    apiAuth: 'appkey',
    tokenRequests: 0,
  },
  {
    shape: '{"apiKey"}',
    secret: JSON.stringify({ apiKey: API_KEY }),
    accepted: { apiKeys: [API_KEY] },
    apiAuth: 'bearer',
    tokenRequests: 0,
  },
  {
    shape: '{"clientId", "clientSecret", "scope"} (OAuth)',
    secret: JSON.stringify({
      ...OAUTH_CLIENT,
      scope: 'integration.data-pools',
    }),
    accepted: { oauthClients: [OAUTH_CLIENT] },
    apiAuth: 'bearer',
    tokenRequests: 1,
  },
];

describe('the Celonis credentials secret, read from Secrets Manager', () => {
  let moto: Moto;
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let callers: TestSecret;

  beforeAll(async () => {
    moto = await connectMoto();
    harness = await startMotoHarness();
    emulator = harness.emulator;
    callers = await createSecret(moto, 'callers', callersSecret());
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(() => {
    harness.reset();
  });

  async function listJobsWith(celonisSecretId: string, logLevel = 'WARN') {
    const handler = await harness.load('status', {
      CELONIS_SECRET_ID: celonisSecretId,
      CALLERS_SECRET_ID: callers.arn,
      LOG_LEVEL: logLevel,
    });

    return handler(listJobsEvent(READER_TOKEN), lambdaContext());
  }

  function celonisCalls() {
    return emulator
      .requests()
      .filter((entry) => entry.route === 'jobs' || entry.route === 'status');
  }

  it.each(shapes)(
    'answers 200 with a secret of the shape $shape, sending what Celonis expects for it',
    async ({ secret, accepted, apiAuth, tokenRequests }) => {
      // Prepare
      emulator.setCredentials({ ...nothingAccepted, ...accepted });
      const celonisSecret = await createSecret(moto, 'celonis', secret);

      // Act
      const answer = await listJobsWith(celonisSecret.name);

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({
        pool: { alias: 'demo' },
        jobs: expect.arrayContaining([
          expect.objectContaining({ name: 'extract orders' }),
        ]),
      });
      expect(celonisCalls()).toHaveLength(2);
      expect(celonisCalls()).toEqual(
        celonisCalls().map(() =>
          expect.objectContaining({ status: 200, auth: apiAuth }),
        ),
      );
      const tokenCalls = emulator
        .requests()
        .filter((entry) => entry.route === 'token');
      expect(tokenCalls).toEqual(
        Array.from({ length: tokenRequests }, () =>
          expect.objectContaining({ status: 200, auth: 'other' }),
        ),
      );
      expect(await secretReads(moto, celonisSecret)).toBe(1);
    },
  );

  it('answers a 500 problem and logs the accepted shapes, never the values, for a secret of another shape', async () => {
    // Prepare
    emulator.setCredentials({ appKeys: [APP_KEY] });
    const user = `user-${LEAK_MARKER}-name`;
    const password = `password-${LEAK_MARKER}-value`;
    const celonisSecret = await createSecret(
      moto,
      'celonis-unknown-shape',
      JSON.stringify({ user, password }),
    );
    const output = captureLogs();

    // Act
    const answer = await listJobsWith(celonisSecret.arn, 'DEBUG').finally(() =>
      output.restore(),
    );

    // Assess
    expect(answer.statusCode).toBe(500);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toEqual({
      type: 'urn:celonis-job-control:problem:service-misconfigured',
      title: 'Service misconfigured',
      status: 500,
      detail: 'The Celonis credentials secret has an unknown shape.',
    });
    const shapeLine = output
      .lines()
      .find((line) => line.message === 'celonis secret has an unknown shape');
    expect(shapeLine).toMatchObject({ level: 'ERROR' });
    for (const name of ['appKey', 'apiKey', 'clientId', 'clientSecret']) {
      expect(String(shapeLine?.acceptedShapes)).toContain(name);
    }
    expect(output.text()).not.toContain(LEAK_MARKER);
    expect(answer.body).not.toContain(LEAK_MARKER);
    expect(celonisCalls()).toEqual([]);
  });

  it.each([
    ['does not exist', async () => uniqueName('celonis-missing')],
    [
      'holds binary data only',
      async () => {
        const name = uniqueName('celonis-binary');
        await moto.secrets.send(
          new CreateSecretCommand({
            Name: name,
            SecretBinary: Buffer.from(APP_KEY),
          }),
        );

        return name;
      },
    ],
  ])(
    'answers a 500 problem, and calls no Celonis, when the secret %s',
    async (_case, secretId) => {
      // Prepare
      emulator.setCredentials({ appKeys: [APP_KEY] });
      const id = await secretId();

      // Act
      const answer = await listJobsWith(id);

      // Assess
      expect(answer.statusCode).toBe(500);
      expect(JSON.parse(answer.body)).toMatchObject({
        title: 'Service misconfigured',
        status: 500,
      });
      expect(answer.body).not.toContain(LEAK_MARKER);
      expect(celonisCalls()).toEqual([]);
    },
  );

  it.each([
    ['name', (secret: TestSecret) => secret.name],
    ['ARN', (secret: TestSecret) => secret.arn],
  ])(
    'reads the secret from Secrets Manager when CELONIS_SECRET_ID is its %s',
    async (_kind, idOf) => {
      // Prepare
      emulator.setCredentials({ appKeys: [APP_KEY] });
      const celonisSecret = await createSecret(moto, 'celonis', APP_KEY);

      // Act
      const answer = await listJobsWith(idOf(celonisSecret));

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(await secretReads(moto, celonisSecret)).toBe(1);
      expect(emulator.requests().map((entry) => entry.route)).not.toContain(
        'secrets',
      );
    },
  );
});
