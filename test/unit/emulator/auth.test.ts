import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';

const APP_KEY = 'app-key-4f9a';
const API_KEY = 'api-key-7c21';
const CLIENT_ID = 'client-0d3e';
const CLIENT_SECRET = 'secret-b58e';
const SHORT_CLIENT_ID = 'short-lived-client';

function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('Celonis emulator authentication', () => {
  let emulator: CelonisEmulator;

  function listPools(authorization?: string): Promise<Response> {
    const headers: Record<string, string> = authorization
      ? { authorization }
      : {};

    return fetch(`${emulator.url}/integration/api/pools`, { headers });
  }

  function requestToken(
    body: Record<string, string>,
    authorization?: string,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (authorization) {
      headers.authorization = authorization;
    }

    return fetch(`${emulator.url}/oauth2/token`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(body).toString(),
    });
  }

  async function issueToken(clientId = CLIENT_ID): Promise<string> {
    const response = await requestToken(
      { grant_type: 'client_credentials', scope: 'integration.data-pools' },
      basic(clientId, CLIENT_SECRET),
    );
    const body = (await response.json()) as { access_token: string };

    return body.access_token;
  }

  beforeEach(async () => {
    emulator = await startCelonisEmulator({
      appKeys: [APP_KEY],
      apiKeys: [API_KEY],
      oauthClients: [
        { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
        {
          clientId: SHORT_CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          tokenTtlSeconds: 0.1,
        },
      ],
    });
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('accepts an application key as AppKey', async () => {
    // Act
    const response = await listPools(`AppKey ${APP_KEY}`);

    // Assess
    expect(response.status).toBe(200);
  });

  it('accepts a user API key as Bearer', async () => {
    // Act
    const response = await listPools(`Bearer ${API_KEY}`);

    // Assess
    expect(response.status).toBe(200);
  });

  it.each([
    ['no credential', undefined],
    ['an unknown AppKey', 'AppKey not-a-key'],
    ['an unknown Bearer', 'Bearer not-a-key'],
    ['an API key sent as AppKey', `AppKey ${API_KEY}`],
    ['an application key sent as Bearer', `Bearer ${APP_KEY}`],
    ['HTTP Basic', basic(CLIENT_ID, CLIENT_SECRET)],
  ])('answers 401 with a JSON body for %s', async (_case, authorization) => {
    // Act
    const response = await listPools(authorization);

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      shortMessage: 'UNAUTHORIZED',
    });
  });

  it('issues a token to a client authenticated by HTTP Basic', async () => {
    // Act
    const response = await requestToken(
      { grant_type: 'client_credentials', scope: 'integration.data-pools' },
      basic(CLIENT_ID, CLIENT_SECRET),
    );

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'integration.data-pools',
    });
  });

  it('issues a token to a client authenticated by form fields', async () => {
    // Act
    const response = await requestToken({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer' });
  });

  it('accepts an issued token as Bearer', async () => {
    // Prepare
    const token = await issueToken();

    // Act
    const response = await listPools(`Bearer ${token}`);

    // Assess
    expect(response.status).toBe(200);
  });

  it('answers 401 invalid_client for a wrong client secret', async () => {
    // Act
    const response = await requestToken(
      { grant_type: 'client_credentials' },
      basic(CLIENT_ID, 'wrong-secret'),
    );

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_client' });
  });

  it('answers 400 for a grant type other than client credentials', async () => {
    // Act
    const response = await requestToken(
      { grant_type: 'password' },
      basic(CLIENT_ID, CLIENT_SECRET),
    );

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unsupported_grant_type' });
  });

  it('answers 401 once a token expired', async () => {
    // Prepare
    const token = await issueToken(SHORT_CLIENT_ID);
    const fresh = await listPools(`Bearer ${token}`);

    // Act
    await sleep(150);
    const expired = await listPools(`Bearer ${token}`);

    // Assess
    expect(fresh.status).toBe(200);
    expect(expired.status).toBe(401);
  });

  it('stops accepting the old application key after a rotation', async () => {
    // Prepare
    emulator.setCredentials({ appKeys: ['rotated-key'] });

    // Act
    const oldKey = await listPools(`AppKey ${APP_KEY}`);
    const newKey = await listPools('AppKey rotated-key');

    // Assess
    expect([oldKey.status, newKey.status]).toEqual([401, 200]);
  });

  it('keeps the kinds of credentials a rotation does not name', async () => {
    // Prepare
    emulator.setCredentials({ appKeys: ['rotated-key'] });

    // Act
    const response = await listPools(`Bearer ${API_KEY}`);

    // Assess
    expect(response.status).toBe(200);
  });

  it('rejects the tokens of a client that was removed', async () => {
    // Prepare
    const token = await issueToken();

    // Act
    emulator.setCredentials({ oauthClients: [] });
    const response = await listPools(`Bearer ${token}`);

    // Assess
    expect(response.status).toBe(401);
  });

  it('records the kind of credential but never the credential', async () => {
    // Prepare
    const token = await issueToken();
    await listPools(`AppKey ${APP_KEY}`);
    await listPools(`Bearer ${API_KEY}`);
    await listPools(`Bearer ${token}`);
    await listPools();

    // Act
    const recorded = emulator.requests();

    // Assess
    expect(recorded.map((entry) => entry.auth)).toEqual([
      'other',
      'appkey',
      'bearer',
      'bearer',
      'none',
    ]);
    const text = JSON.stringify(recorded);
    for (const secret of [APP_KEY, API_KEY, CLIENT_SECRET, token]) {
      expect(text).not.toContain(secret);
    }
  });
});
