import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  type PoolSeed,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';

const POOL_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const RUNNING_ID = '11111111-2222-4333-8444-555555555555';
const FINISHED_ID = '22222222-3333-4444-8555-666666666666';
const NEVER_RAN_ID = '33333333-4444-4555-8666-777777777777';
const STUBBORN_ID = '44444444-5555-4666-8777-888888888888';
const FAILING_ID = '55555555-6666-4777-8888-999999999999';
const UNKNOWN_ID = '99999999-8888-4777-8666-555555555555';
const SOURCE_ID = '3702de43-b181-4b5b-90da-87e056ce7616';
const STARTED_AT = 1_700_000_000_000;
const AUTH = { authorization: 'AppKey test-app-key' };

function seedPool(): PoolSeed {
  return {
    id: POOL_ID,
    name: 'Test pool',
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
        dataSourceId: SOURCE_ID,
        status: 'SUCCESS',
        lastExecutionStartDate: '2026-01-02T03:04:05.000Z',
      },
      { id: NEVER_RAN_ID, name: 'Transform', status: null },
      { id: STUBBORN_ID, name: 'Stubborn', status: 'QUEUED', stubborn: true },
      {
        id: FAILING_ID,
        name: 'Cancel fails',
        status: 'RUNNING',
        cancelFails: true,
      },
    ],
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('Celonis emulator routes', () => {
  let emulator: CelonisEmulator;

  function api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${emulator.url}/integration/api${path}`, {
      ...init,
      headers: { ...AUTH, ...init.headers },
    });
  }

  function cancel(jobId: string): Promise<Response> {
    return api(`/pools/${POOL_ID}/jobs/${jobId}/cancel`, { method: 'POST' });
  }

  async function waitForStatus(jobId: string, status: string): Promise<void> {
    const deadline = Date.now() + 1000;
    while (emulator.getJob(POOL_ID, jobId)?.status !== status) {
      if (Date.now() > deadline) {
        throw new Error(`job ${jobId} never reached ${status}`);
      }
      await sleep(10);
    }
  }

  beforeEach(async () => {
    emulator = await startCelonisEmulator({
      pools: [seedPool()],
      appKeys: ['test-app-key'],
      cancelDelayMs: 50,
    });
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('lists the pools the key can see', async () => {
    // Act
    const response = await api('/pools');

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { id: POOL_ID, name: 'Test pool', permissions: expect.any(Array) },
    ]);
  });

  it('lists every job of a pool with the fields of the real API', async () => {
    // Act
    const response = await api(`/pools/${POOL_ID}/jobs`);
    const jobs = (await response.json()) as Record<string, unknown>[];

    // Assess
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(jobs).toHaveLength(5);
    expect(jobs[0]).toEqual({
      id: RUNNING_ID,
      name: 'Extract P2P',
      dataPoolId: POOL_ID,
      dataSourceId: SOURCE_ID,
      timeStamp: STARTED_AT,
      status: 'RUNNING',
      currentExecutionId: expect.any(String),
      dagBasedExecutionEnabled: null,
      latestExecutionItemId: expect.any(String),
      schedulingType: null,
    });
    expect(jobs[1]).toMatchObject({
      status: 'SUCCESS',
      currentExecutionId: null,
    });
    expect(jobs[2]).toMatchObject({
      status: null,
      dataSourceId: null,
      currentExecutionId: null,
      latestExecutionItemId: null,
    });
  });

  it('answers the status log without the jobs that never ran', async () => {
    // Act
    const response = await api(`/pools/${POOL_ID}/logs/status`);

    // Assess
    expect(await response.json()).toEqual([
      { id: RUNNING_ID, status: 'RUNNING', lastExecutionStartDate: STARTED_AT },
      {
        id: FINISHED_ID,
        status: 'SUCCESS',
        lastExecutionStartDate: '2026-01-02T03:04:05.000Z',
      },
      {
        id: STUBBORN_ID,
        status: 'QUEUED',
        lastExecutionStartDate: expect.any(Number),
      },
      {
        id: FAILING_ID,
        status: 'RUNNING',
        lastExecutionStartDate: expect.any(Number),
      },
    ]);
  });

  it('answers one job as the job list shows it', async () => {
    // Prepare
    const listed = (await (await api(`/pools/${POOL_ID}/jobs`)).json()) as {
      id: string;
    }[];

    // Act
    const response = await api(`/pools/${POOL_ID}/jobs/${FINISHED_ID}`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(
      listed.find((job) => job.id === FINISHED_ID),
    );
  });

  it('answers 404 with a JSON error body for an unknown job', async () => {
    // Act
    const response = await api(`/pools/${POOL_ID}/jobs/${UNKNOWN_ID}`);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      reference: expect.stringMatching(/^[0-9a-f-]{36}$/),
      message: expect.stringContaining(UNKNOWN_ID),
      shortMessage: 'NOT_FOUND',
    });
  });

  it.each([
    ['GET', `/pools/${UNKNOWN_ID}/jobs`],
    ['GET', `/pools/${UNKNOWN_ID}/logs/status`],
    ['GET', `/pools/${UNKNOWN_ID}/jobs/${RUNNING_ID}`],
    ['POST', `/pools/${UNKNOWN_ID}/jobs/${RUNNING_ID}/cancel`],
  ])('answers 404 JSON for an unknown pool on %s %s', async (method, path) => {
    // Act
    const response = await api(path, { method });

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ shortMessage: 'NOT_FOUND' });
  });

  it('answers a cancel with 200 and an empty body', async () => {
    // Act
    const response = await cancel(RUNNING_ID);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('keeps a cancelled job running until the cancel delay passed', async () => {
    // Act
    await cancel(RUNNING_ID);
    const rightAfter = emulator.getJob(POOL_ID, RUNNING_ID);
    await waitForStatus(RUNNING_ID, 'CANCEL');

    // Assess
    expect(rightAfter?.status).toBe('RUNNING');
    const job = await (
      await api(`/pools/${POOL_ID}/jobs/${RUNNING_ID}`)
    ).json();
    expect(job).toMatchObject({ status: 'CANCEL', currentExecutionId: null });
  });

  it('shows the cancelled status in the status log too', async () => {
    // Prepare
    await cancel(RUNNING_ID);
    await waitForStatus(RUNNING_ID, 'CANCEL');

    // Act
    const entries = (await (
      await api(`/pools/${POOL_ID}/logs/status`)
    ).json()) as { id: string; status: string }[];

    // Assess
    expect(entries.find((entry) => entry.id === RUNNING_ID)?.status).toBe(
      'CANCEL',
    );
  });

  it('answers 200 and changes nothing when the job is not running', async () => {
    // Prepare
    const before = emulator.getJob(POOL_ID, FINISHED_ID);

    // Act
    const response = await cancel(FINISHED_ID);
    await sleep(80);

    // Assess
    expect(response.status).toBe(200);
    expect(emulator.getJob(POOL_ID, FINISHED_ID)).toEqual(before);
  });

  it('answers 404 when cancelling an unknown job', async () => {
    // Act
    const response = await cancel(UNKNOWN_ID);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ shortMessage: 'NOT_FOUND' });
  });

  it('accepts the cancel of a stubborn job but keeps it queued', async () => {
    // Act
    const response = await cancel(STUBBORN_ID);
    await sleep(120);

    // Assess
    expect(response.status).toBe(200);
    expect(emulator.getJob(POOL_ID, STUBBORN_ID)?.status).toBe('QUEUED');
  });

  it('answers 500 every time for a job whose cancel fails', async () => {
    // Act
    const first = await cancel(FAILING_ID);
    const second = await cancel(FAILING_ID);
    await sleep(80);

    // Assess
    expect([first.status, second.status]).toEqual([500, 500]);
    expect(await first.json()).toMatchObject({
      shortMessage: 'INTERNAL_SERVER_ERROR',
    });
    expect(emulator.getJob(POOL_ID, FAILING_ID)?.status).toBe('RUNNING');
  });

  it('does not flip a job that was restarted after the cancel', async () => {
    // Prepare
    await cancel(RUNNING_ID);

    // Act
    emulator.setJobStatus(POOL_ID, RUNNING_ID, 'SUCCESS');
    emulator.setJobStatus(POOL_ID, RUNNING_ID, 'RUNNING');
    await sleep(100);

    // Assess
    expect(emulator.getJob(POOL_ID, RUNNING_ID)?.status).toBe('RUNNING');
  });

  it('starts a new execution when a finished job runs again', async () => {
    // Prepare
    const before = emulator.getJob(POOL_ID, FINISHED_ID);

    // Act
    emulator.setJobStatus(POOL_ID, FINISHED_ID, 'RUNNING');

    // Assess
    const after = emulator.getJob(POOL_ID, FINISHED_ID);
    expect(after?.currentExecutionId).toEqual(expect.any(String));
    expect(after?.currentExecutionId).not.toBe(before?.latestExecutionItemId);
    expect(after?.latestExecutionItemId).toBe(after?.currentExecutionId);
  });

  it('takes the cancel response delay before answering a cancel', async () => {
    // Prepare
    await emulator.close();
    emulator = await startCelonisEmulator({
      pools: [seedPool()],
      appKeys: ['test-app-key'],
      cancelResponseDelayMs: 120,
    });
    const started = Date.now();

    // Act
    const response = await cancel(RUNNING_ID);

    // Assess
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('delays every answer by the latency', async () => {
    // Prepare
    emulator.setLatency(100);
    const started = Date.now();

    // Act
    const response = await api('/pools');

    // Assess
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/integration/api/unknown'],
    ['GET', `/integration/api/pools/${POOL_ID}/jobs/${RUNNING_ID}/cancel`],
    ['POST', `/integration/api/pools/${POOL_ID}/jobs`],
    ['GET', '/oauth2/token'],
  ])('answers the HTML page with 404 for %s %s', async (method, path) => {
    // Act
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers: AUTH,
    });

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<html');
  });

  it('records the route and status of each request', async () => {
    // Prepare
    await api('/pools');
    await cancel(UNKNOWN_ID);
    await fetch(`${emulator.url}/nowhere`);

    // Act
    const recorded = emulator.requests();

    // Assess
    expect(recorded).toEqual([
      {
        at: expect.any(Number),
        method: 'GET',
        path: '/integration/api/pools',
        route: 'pools',
        status: 200,
        auth: 'appkey',
      },
      expect.objectContaining({ method: 'POST', route: 'cancel', status: 404 }),
      expect.objectContaining({ route: 'unknown', status: 404, auth: 'none' }),
    ]);
  });

  it('answers jobs added after the start', async () => {
    // Prepare
    emulator.addJob(POOL_ID, {
      id: UNKNOWN_ID,
      name: 'Late',
      status: 'RUNNING',
    });

    // Act
    const response = await api(`/pools/${POOL_ID}/jobs/${UNKNOWN_ID}`);

    // Assess
    expect(await response.json()).toMatchObject({
      id: UNKNOWN_ID,
      status: 'RUNNING',
    });
  });

  it('goes back to the seeded state on reset', async () => {
    // Prepare
    emulator.setJobStatus(POOL_ID, RUNNING_ID, 'FAIL');
    emulator.addPool({ id: UNKNOWN_ID, name: 'Extra', jobs: [] });
    emulator.setFault({ kind: '500' });
    await api('/pools');

    // Act
    emulator.reset();

    // Assess
    expect(emulator.getJob(POOL_ID, RUNNING_ID)?.status).toBe('RUNNING');
    expect(emulator.requests()).toEqual([]);
    const pools = await (await api('/pools')).json();
    expect(pools).toHaveLength(1);
  });
});
