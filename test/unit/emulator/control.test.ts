import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';
import {
  DEMO_JOB_IDS,
  DEMO_POOL_ID,
  demoAppKey,
  demoPools,
} from '../../../emulator/demo.ts';

const NEW_POOL_ID = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';
const NEW_JOB_ID = '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e';
const AUTH = { authorization: `AppKey ${demoAppKey}` };

describe('control endpoints of the emulator', () => {
  let emulator: CelonisEmulator;

  function control(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Response> {
    return fetch(`${emulator.url}/_emulator/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function api(path: string): Promise<Response> {
    return fetch(`${emulator.url}/integration/api${path}`, { headers: AUTH });
  }

  beforeEach(async () => {
    emulator = await startCelonisEmulator({
      pools: demoPools(),
      appKeys: [demoAppKey],
    });
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('lists the recorded requests and clears them', async () => {
    // Prepare
    await api('/pools');

    // Act
    const listed = await (await control('GET', 'requests')).json();
    const cleared = await control('DELETE', 'requests');

    // Assess
    expect(listed).toEqual([
      expect.objectContaining({ route: 'pools', status: 200 }),
    ]);
    expect(cleared.status).toBe(200);
    expect(emulator.requests()).toEqual([]);
  });

  it('does not record its own requests', async () => {
    // Act
    await control('GET', 'requests');

    // Assess
    expect(emulator.requests()).toEqual([]);
  });

  it('sets a fault and clears the faults', async () => {
    // Prepare
    await control('POST', 'faults', { route: 'pools', kind: '503' });

    // Act
    const faulted = await api('/pools');
    await control('DELETE', 'faults');
    const healed = await api('/pools');

    // Assess
    expect([faulted.status, healed.status]).toEqual([503, 200]);
  });

  it('answers 400 naming the field for an invalid fault', async () => {
    // Act
    const response = await control('POST', 'faults', { kind: 'slow' });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: expect.stringContaining('kind must be one of'),
    });
  });

  it('answers 400 for a body that is not JSON', async () => {
    // Act
    const response = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      body: '{kind:',
    });

    // Assess
    expect(response.status).toBe(400);
  });

  it('changes the rate limit through the settings', async () => {
    // Prepare
    await control('POST', 'settings', { rateLimitPerSecond: 1 });
    await api('/pools');

    // Act
    const response = await api('/pools');

    // Assess
    expect(response.status).toBe(429);
  });

  it('adds a pool and a job, and shows them with their status', async () => {
    // Prepare
    await control('POST', 'pools', { id: NEW_POOL_ID, name: 'CRM', jobs: [] });
    await control('POST', `pools/${NEW_POOL_ID}/jobs`, {
      id: NEW_JOB_ID,
      name: 'Extract CRM',
      status: 'QUEUED',
      lastExecutionStartDate: '2026-05-01T00:00:00Z',
    });

    // Act
    const response = await control('GET', `pools/${NEW_POOL_ID}/jobs`);

    // Assess
    expect(await response.json()).toEqual([
      expect.objectContaining({
        id: NEW_JOB_ID,
        dataPoolId: NEW_POOL_ID,
        status: 'QUEUED',
        lastExecutionStartDate: '2026-05-01T00:00:00Z',
      }),
    ]);
  });

  it('answers 409 when a pool exists already', async () => {
    // Act
    const response = await control('POST', 'pools', {
      id: DEMO_POOL_ID,
      name: 'Again',
      jobs: [],
    });

    // Assess
    expect(response.status).toBe(409);
  });

  it('answers 404 for the jobs of an unknown pool', async () => {
    // Act
    const response = await control('GET', `pools/${NEW_POOL_ID}/jobs`);

    // Assess
    expect(response.status).toBe(404);
  });

  it('sets the status of a job', async () => {
    // Prepare
    const path = `pools/${DEMO_POOL_ID}/jobs/${DEMO_JOB_IDS.extractP2P}/status`;

    // Act
    const response = await control('PUT', path, { status: 'FAIL' });

    // Assess
    expect(response.status).toBe(200);
    expect(
      emulator.getJob(DEMO_POOL_ID, DEMO_JOB_IDS.extractP2P),
    ).toMatchObject({ status: 'FAIL', currentExecutionId: null });
  });

  it('resets the seeded state', async () => {
    // Prepare
    emulator.setJobStatus(DEMO_POOL_ID, DEMO_JOB_IDS.extractO2C, null);

    // Act
    await control('POST', 'reset');

    // Assess
    expect(emulator.getJob(DEMO_POOL_ID, DEMO_JOB_IDS.extractO2C)?.status).toBe(
      'RUNNING',
    );
  });

  it('stores a secret for the Secrets Manager endpoint', async () => {
    // Prepare
    await control('POST', 'secrets', { name: 'celonis', value: 'key-1' });

    // Act
    const response = await fetch(emulator.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body: JSON.stringify({ SecretId: 'celonis' }),
    });

    // Assess
    expect(await response.json()).toMatchObject({ SecretString: 'key-1' });
  });

  it('replaces the accepted credentials', async () => {
    // Prepare
    await control('POST', 'credentials', { appKeys: ['next-key'] });

    // Act
    const oldKey = await api('/pools');
    const newKey = await fetch(`${emulator.url}/integration/api/pools`, {
      headers: { authorization: 'AppKey next-key' },
    });

    // Assess
    expect([oldKey.status, newKey.status]).toEqual([401, 200]);
  });

  it('lists the published SNS messages', async () => {
    // Prepare
    await fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-central-1%3A000000000000%3At&Message=done',
    });

    // Act
    const response = await control('GET', 'published');

    // Assess
    expect(await response.json()).toEqual([
      { topicArn: 'arn:aws:sns:eu-central-1:000000000000:t', message: 'done' },
    ]);
  });

  it('answers 404 JSON for an unknown control endpoint', async () => {
    // Act
    const response = await control('GET', 'nothing');

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  });
});

describe('demo data', () => {
  it('has running, queued, finished and never run jobs', () => {
    // Act
    const [pool] = demoPools();

    // Assess
    expect(pool?.id).toBe(DEMO_POOL_ID);
    expect(pool?.jobs.map((job) => job.status ?? null).sort()).toEqual([
      'FAIL',
      'QUEUED',
      'RUNNING',
      'RUNNING',
      'SUCCESS',
      null,
    ]);
  });
});
