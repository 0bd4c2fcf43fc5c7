import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from 'vitest';
import {
  type CelonisEmulator,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';
import {
  type CelonisAuth,
  DEFAULT_OAUTH_SCOPE,
  OAuthRejectedError,
  parseCelonisSecret,
} from '../../../lib/credentials.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { CelonisError, ConfigurationError } from '../../../lib/errors.ts';
import {
  type CelonisStack,
  createCelonisStack,
  recordingFetch,
  type WireRequest,
} from '../../helpers/celonis-stack.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import {
  API_KEY,
  APP_KEY,
  LEAK_MARKER,
  OAUTH_CLIENT,
} from '../../helpers/secrets.ts';

const POOL_ID = '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1';
const secretsManager = mockClient(SecretsManagerClient);

describe('parseCelonisSecret', () => {
  it.each([
    ['plain text', APP_KEY, { kind: 'appKey', appKey: APP_KEY }],
    [
      'plain text with blanks and a line break',
      `  ${APP_KEY}\n`,
      { kind: 'appKey', appKey: APP_KEY },
    ],
    [
      'an appKey object',
      JSON.stringify({ appKey: ` ${APP_KEY} ` }),
      { kind: 'appKey', appKey: APP_KEY },
    ],
    [
      'an apiKey object',
      JSON.stringify({ apiKey: API_KEY }),
      { kind: 'apiKey', apiKey: API_KEY },
    ],
    [
      'an OAuth client with a scope',
      JSON.stringify({
        ...OAUTH_CLIENT,
        scope: 'integration.data-pools studio',
      }),
      {
        kind: 'oauth',
        ...OAUTH_CLIENT,
        scope: 'integration.data-pools studio',
      },
    ],
    [
      'an OAuth client without a scope',
      `\n${JSON.stringify({ clientId: ` ${OAUTH_CLIENT.clientId}`, clientSecret: OAUTH_CLIENT.clientSecret })}\n`,
      { kind: 'oauth', ...OAUTH_CLIENT, scope: 'integration.data-pools' },
    ],
  ])('reads %s', (_case, secret, expected) => {
    // Act
    const credentials = parseCelonisSecret(secret);

    // Assess
    expect(credentials).toEqual(expected);
  });

  it('defaults the scope to integration.data-pools', () => {
    // Assess
    expect(DEFAULT_OAUTH_SCOPE).toBe('integration.data-pools');
  });

  it.each([
    ['an extra field', { appKey: APP_KEY, note: 'rotated monthly' }],
    ['two kinds of key', { appKey: APP_KEY, apiKey: API_KEY }],
    ['an empty appKey', { appKey: '' }],
    ['an appKey of blanks', { appKey: '   ' }],
    ['an appKey that is a number', { appKey: 12345 }],
    ['a client id without its secret', { clientId: OAUTH_CLIENT.clientId }],
    [
      'a client secret without its id',
      { clientSecret: OAUTH_CLIENT.clientSecret },
    ],
    ['an empty object', {}],
    ['a key in a different case', { AppKey: APP_KEY }],
    ['an array', [APP_KEY]],
    ['an array of objects', [{ appKey: APP_KEY }]],
    ['an appKey with a line break inside', { appKey: `ab\n${APP_KEY}` }],
    ['an apiKey with a tab inside', { apiKey: `ab\t${API_KEY}` }],
  ])(
    'throws when the secret is %s, logging the accepted shapes only',
    (_case, value) => {
      // Prepare
      const secret = JSON.stringify(value);
      const logs = captureLogs();

      // Act
      const parse = () => parseCelonisSecret(secret);

      // Assess
      expect(parse).toThrow(ConfigurationError);
      expect(parse).toThrow(
        'The Celonis credentials secret has an unknown shape.',
      );
      const [line] = logs.lines();
      expect(line).toMatchObject({
        level: 'ERROR',
        message: 'celonis secret has an unknown shape',
      });
      for (const name of ['appKey', 'apiKey', 'clientId', 'clientSecret']) {
        expect(line?.acceptedShapes).toContain(name);
      }
      expect(logs.text()).not.toContain(LEAK_MARKER);
    },
  );

  it.each([
    ['JSON cut short', `{"appKey":"${APP_KEY}"`],
    ['JSON with a trailing comma', `{"appKey":"${APP_KEY}",}`],
    ['single quotes', `{'appKey':'${APP_KEY}'}`],
    ['plain text with a line break inside', `ab\n${APP_KEY}`],
  ])('throws when the secret is %s, without echoing it', (_case, secret) => {
    // Prepare
    const logs = captureLogs();

    // Act
    const parse = () => parseCelonisSecret(secret);

    // Assess
    expect(parse).toThrow(ConfigurationError);
    expect(logs.text()).not.toContain(LEAK_MARKER);
  });
});

describe('CelonisAuth', () => {
  let emulator: CelonisEmulator;
  let clock: FakeClock;
  let stack: CelonisStack;
  let auth: CelonisAuth;
  let wire: WireRequest[];

  const deadline = () => new Deadline(Date.now() + 5_000);
  const tokenRequests = () =>
    wire.filter((request) => request.url.endsWith('/oauth2/token'));

  function useSecret(...values: string[]): void {
    const stub = secretsManager.on(GetSecretValueCommand);
    for (const value of values.slice(0, -1)) {
      stub.resolvesOnce({ SecretString: value });
    }
    stub.resolves({ SecretString: values.at(-1) ?? '' });
  }

  beforeAll(async () => {
    emulator = await startCelonisEmulator({
      pools: [{ id: POOL_ID, name: 'SAP ECC', jobs: [] }],
      appKeys: [APP_KEY],
      apiKeys: [API_KEY],
      oauthClients: [OAUTH_CLIENT],
    });
  });

  afterAll(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    emulator.reset();
    secretsManager.reset();
    clock = new FakeClock();
    const recording = recordingFetch();
    wire = recording.requests;
    stack = createCelonisStack({
      url: emulator.url,
      now: clock.now,
      fetch: recording.fetch,
    });
    auth = stack.auth;
  });

  afterEach(() => {
    emulator.setCredentials({ oauthClients: [OAUTH_CLIENT] });
  });

  it.each([
    ['an application key', APP_KEY, `AppKey ${APP_KEY}`],
    [
      'a JSON application key',
      JSON.stringify({ appKey: APP_KEY }),
      `AppKey ${APP_KEY}`,
    ],
    ['an API key', JSON.stringify({ apiKey: API_KEY }), `Bearer ${API_KEY}`],
  ])(
    'authorizes with %s without a token request',
    async (_case, secret, header) => {
      // Prepare
      useSecret(secret);

      // Act
      const authorization = await auth.authorization(deadline());

      // Assess
      expect(authorization.header).toBe(header);
      await expect(authorization.read).resolves.toBe(secret);
      expect(wire).toEqual([]);
    },
  );

  it('fetches an OAuth token once and reuses it', async () => {
    // Prepare
    useSecret(JSON.stringify(OAUTH_CLIENT));

    // Act
    const first = await auth.authorization(deadline());
    const second = await auth.authorization(deadline());
    const jobs = await stack.client.listJobs(POOL_ID, deadline());

    // Assess
    expect(first.header).toMatch(/^Bearer \S+$/);
    expect(second).toEqual(first);
    expect(jobs).toEqual([]);
    expect(tokenRequests()).toHaveLength(1);
    expect(emulator.requests().map((r) => [r.route, r.status, r.auth])).toEqual(
      expect.arrayContaining([
        ['token', 200, 'other'],
        ['jobs', 200, 'bearer'],
        ['status', 200, 'bearer'],
      ]),
    );
  });

  it('asks for the token with HTTP Basic client auth and the default scope', async () => {
    // Prepare
    useSecret(JSON.stringify(OAUTH_CLIENT));
    const basic = Buffer.from(
      `${OAUTH_CLIENT.clientId}:${OAUTH_CLIENT.clientSecret}`,
    ).toString('base64');

    // Act
    await auth.authorization(deadline());

    // Assess
    const [request] = tokenRequests();
    expect(request).toMatchObject({
      url: `${emulator.url}/oauth2/token`,
      method: 'POST',
      headers: expect.objectContaining({
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      }),
    });
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'integration.data-pools',
    });
  });

  it('asks for the scope the secret names', async () => {
    // Prepare
    useSecret(
      JSON.stringify({
        ...OAUTH_CLIENT,
        scope: 'integration.data-pools studio',
      }),
    );

    // Act
    await auth.authorization(deadline());

    // Assess
    const params = new URLSearchParams(tokenRequests()[0]?.body);
    expect(params.get('scope')).toBe('integration.data-pools studio');
  });

  it('obtains a token for a client secret with reserved characters', async () => {
    // Prepare
    const client = {
      clientId: 'job-control:ops',
      clientSecret: `${OAUTH_CLIENT.clientSecret}+/%3D`,
    };
    emulator.setCredentials({ oauthClients: [client] });
    useSecret(JSON.stringify(client));

    // Act
    const authorization = auth.authorization(deadline());

    // Assess
    await expect(authorization).resolves.toMatchObject({
      header: expect.stringMatching(/^Bearer /),
    });
  });

  it.each([
    ['an hour', 3_600, 3_540_000],
    ['100 s', 100, 50_000],
    ['10 s', 10, 5_000],
  ])(
    'renews a token of %s when min(60 s, half its life) is left',
    async (_case, ttl, renewAfterMs) => {
      // Prepare
      emulator.setCredentials({
        oauthClients: [{ ...OAUTH_CLIENT, tokenTtlSeconds: ttl }],
      });
      useSecret(JSON.stringify(OAUTH_CLIENT));
      const first = await auth.authorization(deadline());

      // Act
      clock.advance(renewAfterMs - 1);
      const beforeMargin = await auth.authorization(deadline());
      clock.advance(1);
      const inMargin = await auth.authorization(deadline());

      // Assess
      expect(beforeMargin).toEqual(first);
      expect(inMargin.header).not.toBe(first.header);
      expect(tokenRequests()).toHaveLength(2);
    },
  );

  it('shares one token request between concurrent callers', async () => {
    // Prepare
    useSecret(JSON.stringify(OAUTH_CLIENT));

    // Act
    const authorizations = await Promise.all(
      Array.from({ length: 8 }, () => auth.authorization(deadline())),
    );

    // Assess
    expect(new Set(authorizations.map((a) => a.header)).size).toBe(1);
    expect(tokenRequests()).toHaveLength(1);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 1);
  });

  it('shares one renewal between concurrent callers', async () => {
    // Prepare
    useSecret(JSON.stringify(OAUTH_CLIENT));
    const first = await auth.authorization(deadline());
    clock.advance(3_600_000);

    // Act
    const renewed = await Promise.all(
      Array.from({ length: 8 }, () => auth.authorization(deadline())),
    );

    // Assess
    expect(new Set(renewed.map((a) => a.header))).toEqual(
      new Set([renewed[0]?.header]),
    );
    expect(renewed[0]?.header).not.toBe(first.header);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('reads the secret and fetches a token anew after a reject', async () => {
    // Prepare
    useSecret(JSON.stringify(OAUTH_CLIENT));
    const rejected = await auth.authorization(deadline());

    // Act
    await auth.reject(rejected);
    const fresh = await auth.authorization(deadline());

    // Assess
    expect(fresh.header).not.toBe(rejected.header);
    expect(tokenRequests()).toHaveLength(2);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
  });

  it('fetches a token for the new client once the secret changed', async () => {
    // Prepare
    const rotated = {
      clientId: 'job-control-client-2',
      clientSecret: `${OAUTH_CLIENT.clientSecret}-2`,
    };
    emulator.setCredentials({ oauthClients: [OAUTH_CLIENT, rotated] });
    useSecret(JSON.stringify(OAUTH_CLIENT), JSON.stringify(rotated));
    const old = await auth.authorization(deadline());

    // Act
    clock.advance(5 * 60 * 1000);
    const fresh = await auth.authorization(deadline());

    // Assess
    await expect(fresh.read).resolves.toBe(JSON.stringify(rotated));
    expect(fresh.header).not.toBe(old.header);
    expect(tokenRequests().map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from(`${OAUTH_CLIENT.clientId}:${OAUTH_CLIENT.clientSecret}`).toString('base64')}`,
      `Basic ${Buffer.from(`${rotated.clientId}:${rotated.clientSecret}`).toString('base64')}`,
    ]);
  });

  it('throws OAuthRejectedError without the secret when the token endpoint refuses the client', async () => {
    // Prepare
    emulator.setCredentials({ oauthClients: [] });
    useSecret(JSON.stringify(OAUTH_CLIENT));

    // Act
    const authorization = auth.authorization(deadline());

    // Assess
    await expect(authorization).rejects.toBeInstanceOf(OAuthRejectedError);
    const error = (await authorization.catch(
      (e: unknown) => e,
    )) as OAuthRejectedError;
    expect(error).toMatchObject({
      status: 401,
      message: 'Celonis refused the OAuth client credentials (HTTP 401).',
    });
    expect(JSON.stringify(error)).not.toContain(LEAK_MARKER);
    expect(error.authorization().header).toBe('');
    await expect(error.authorization().read).resolves.toBe(
      JSON.stringify(OAUTH_CLIENT),
    );
  });

  it('throws a CelonisError when the token answer has no access token', async () => {
    // Prepare
    emulator.setFault({ route: 'token', kind: 'wrong-shape', times: 1 });
    useSecret(JSON.stringify(OAUTH_CLIENT));

    // Act
    const authorization = auth.authorization(deadline());

    // Assess
    await expect(authorization).rejects.toBeInstanceOf(CelonisError);
    await expect(authorization).rejects.toThrow(
      'Celonis (POST /oauth2/token) answered HTTP 200 without an access token.',
    );
  });

  it('asks again after a failed token request instead of keeping the failure', async () => {
    // Prepare
    emulator.setFault({ route: 'token', kind: 'html', times: 1 });
    useSecret(JSON.stringify(OAUTH_CLIENT));
    await auth.authorization(deadline()).catch(() => undefined);

    // Act
    const authorization = await auth.authorization(deadline());

    // Assess
    expect(authorization.header).toMatch(/^Bearer \S+$/);
    expect(tokenRequests()).toHaveLength(2);
  });
});
