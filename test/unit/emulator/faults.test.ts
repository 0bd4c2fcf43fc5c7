import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  type FaultKind,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';

const POOL_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const JOB_ID = '11111111-2222-4333-8444-555555555555';
const AUTH = { authorization: 'AppKey test-app-key' };

describe('Celonis emulator faults and rate limit', () => {
  let emulator: CelonisEmulator;

  function listJobs(headers: Record<string, string> = AUTH) {
    return fetch(`${emulator.url}/integration/api/pools/${POOL_ID}/jobs`, {
      headers,
      signal: AbortSignal.timeout(1000),
    });
  }

  function cancel(): Promise<Response> {
    const path = `/integration/api/pools/${POOL_ID}/jobs/${JOB_ID}/cancel`;

    return fetch(`${emulator.url}${path}`, { method: 'POST', headers: AUTH });
  }

  beforeEach(async () => {
    emulator = await startCelonisEmulator({
      pools: [
        {
          id: POOL_ID,
          name: 'Test pool',
          jobs: [{ id: JOB_ID, name: 'Extract', status: 'RUNNING' }],
        },
      ],
      appKeys: ['test-app-key'],
      oauthClients: [{ clientId: 'client', clientSecret: 'secret' }],
      cancelDelayMs: 0,
    });
  });

  afterEach(async () => {
    await emulator.close();
  });

  describe('rate limit', () => {
    it('answers 429 with the reset time when the limit is used up', async () => {
      // Prepare
      emulator.setRateLimit(2);
      await listJobs();
      await listJobs();

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBe(1);
      expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(await response.json()).toMatchObject({
        shortMessage: 'TOO_MANY_REQUESTS',
      });
    });

    it('tells the limit and the remaining requests on every answer', async () => {
      // Prepare
      emulator.setRateLimit(5);

      // Act
      const first = await listJobs();
      const second = await listJobs({});

      // Assess
      expect(first.headers.get('x-ratelimit-limit')).toBe('5');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
      expect(second.status).toBe(401);
      expect(second.headers.get('x-ratelimit-remaining')).toBe('3');
    });

    it('counts token requests against the same limit', async () => {
      // Prepare
      emulator.setRateLimit(1);
      await fetch(`${emulator.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=client&client_secret=secret',
      });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(429);
    });

    it('admits requests again once the reset time passed', async () => {
      // Prepare
      emulator.setRateLimit(1);
      await listJobs();
      const rejected = await listJobs();
      const resetSeconds = Number(rejected.headers.get('x-ratelimit-reset'));

      // Act
      await new Promise((resolve) => setTimeout(resolve, resetSeconds * 1000));
      const response = await listJobs();

      // Assess
      expect(rejected.status).toBe(429);
      expect(response.status).toBe(200);
    });

    it('sends no rate limit headers when no limit is set', async () => {
      // Act
      const response = await listJobs();

      // Assess
      expect(response.headers.has('x-ratelimit-limit')).toBe(false);
    });

    it('records the requests it rejects', async () => {
      // Prepare
      emulator.setRateLimit(1);
      await listJobs();

      // Act
      await listJobs();

      // Assess
      expect(emulator.requests().map((entry) => entry.status)).toEqual([
        200, 429,
      ]);
    });
  });

  describe('faults', () => {
    it.each<[FaultKind, number, RegExp]>([
      ['500', 500, /^application\/json/],
      ['502', 502, /^text\/html/],
      ['503', 503, /^text\/html/],
      ['504', 504, /^text\/html/],
      ['401', 401, /^application\/json/],
      ['403', 403, /^application\/json/],
      ['html', 200, /^text\/html/],
    ])('answers fault %s with status %i', async (kind, status, type) => {
      // Prepare
      emulator.setFault({ kind, times: 1 });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(type);
      expect(await response.text()).not.toBe('');
    });

    it('answers 429 with x-ratelimit-reset for a 429 fault', async () => {
      // Prepare
      emulator.setFault({ kind: '429', retryAfterSeconds: 7 });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(429);
      expect(response.headers.get('x-ratelimit-reset')).toBe('7');
    });

    it('answers 429 without rate limit headers for 429-no-headers', async () => {
      // Prepare
      emulator.setFault({ kind: '429-no-headers' });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(429);
      expect(response.headers.has('x-ratelimit-reset')).toBe(false);
      expect(response.headers.has('retry-after')).toBe(false);
    });

    it('answers 200 with an empty JSON body for an empty fault', async () => {
      // Prepare
      emulator.setFault({ kind: 'empty' });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.text()).toBe('');
    });

    it('answers an object where an array belongs for wrong-shape', async () => {
      // Prepare
      emulator.setFault({ kind: 'wrong-shape' });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ unexpected: true });
    });

    it('answers JSON cut in the middle for truncated', async () => {
      // Prepare
      emulator.setFault({ kind: 'truncated' });

      // Act
      const response = await listJobs();
      const text = await response.text();

      // Assess
      expect(response.status).toBe(200);
      expect(text.startsWith('[{')).toBe(true);
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
    });

    it('never answers for hang, until the client gives up', async () => {
      // Prepare
      emulator.setFault({ kind: 'hang' });

      // Act
      const attempt = fetch(
        `${emulator.url}/integration/api/pools/${POOL_ID}/jobs`,
        { headers: AUTH, signal: AbortSignal.timeout(100) },
      );

      // Assess
      await expect(attempt).rejects.toThrow(/abort|timeout/i);
      expect(emulator.requests()).toEqual([
        expect.objectContaining({ route: 'jobs', status: 0 }),
      ]);
    });

    it('closes even while a request hangs', async () => {
      // Prepare
      emulator.setFault({ kind: 'hang' });
      const attempt = listJobs().catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 30));

      // Act
      await emulator.close();

      // Assess
      expect(await attempt).toBeInstanceOf(Error);
      emulator = await startCelonisEmulator();
    });

    it('drops the connection without answering for reset', async () => {
      // Prepare
      emulator.setFault({ kind: 'reset' });

      // Act
      const attempt = listJobs();

      // Assess
      await expect(attempt).rejects.toThrow(TypeError);
    });

    it('applies a fault before the authentication check', async () => {
      // Prepare
      emulator.setFault({ kind: '503' });

      // Act
      const response = await listJobs({});

      // Assess
      expect(response.status).toBe(503);
    });

    it('applies a fault before the rate limit check', async () => {
      // Prepare
      emulator.setRateLimit(1);
      await listJobs();
      emulator.setFault({ kind: '502', times: 1 });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(502);
    });

    it('consumes faults in the order they were added', async () => {
      // Prepare
      emulator.setFault({ route: 'jobs', kind: '500', times: 1 });
      emulator.setFault({ route: 'jobs', kind: '503', times: 2 });

      // Act
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        statuses.push((await listJobs()).status);
      }

      // Assess
      expect(statuses).toEqual([500, 503, 503, 200]);
    });

    it('keeps a fault without times until the faults are cleared', async () => {
      // Prepare
      emulator.setFault({ kind: '500' });
      await listJobs();
      await listJobs();

      // Act
      emulator.clearFaults();
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(200);
    });

    it('leaves the other routes alone', async () => {
      // Prepare
      emulator.setFault({ route: 'cancel', kind: '500' });

      // Act
      const response = await listJobs();

      // Assess
      expect(response.status).toBe(200);
    });

    it('cancels nothing when the cancel is faulted', async () => {
      // Prepare
      emulator.setFault({ route: 'cancel', kind: '504', times: 1 });

      // Act
      const response = await cancel();

      // Assess
      expect(response.status).toBe(504);
      expect(emulator.getJob(POOL_ID, JOB_ID)?.status).toBe('RUNNING');
    });

    it('answers an OAuth error body for a 401 on the token route', async () => {
      // Prepare
      emulator.setFault({ route: 'token', kind: '401' });

      // Act
      const response = await fetch(`${emulator.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=client&client_secret=secret',
      });

      // Assess
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_client' });
    });
  });
});
