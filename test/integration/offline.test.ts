/**
 * The service as a person at a terminal meets it: serverless offline on
 * the `local` stage against the Celonis emulator, called with the real
 * curl binary; and `npm start` itself, whose printed commands must work as
 * printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_JOB_IDS, DEMO_POOL_ID, demoPools } from '../../emulator/demo.ts';
import type { PoolSeed } from '../../emulator/types.ts';
import { curl, curlCommandLine, requireCurl } from '../helpers/curl.ts';
import {
  freePorts,
  isPortFree,
  lastLines,
  localEnv,
  NO_RELOAD,
  type OfflineStack,
  poll,
  REPO_DIR,
  startOfflineStack,
} from '../helpers/offline.ts';
import {
  APP_KEY,
  LEAK_MARKER,
  OPERATOR_TOKEN,
  OTHER_POOL_TOKEN,
  READER_TOKEN,
  TEST_CALLERS,
} from '../helpers/secrets.ts';

const CRM_POOL_ID = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const CRM_JOB_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const UNKNOWN_JOB_ID = '00000000-0000-4000-8000-000000000000';
const WRONG_TOKEN = `wrong-token-${LEAK_MARKER}`;

const crmPool: PoolSeed = {
  id: CRM_POOL_ID,
  name: 'CRM',
  jobs: [{ id: CRM_JOB_ID, name: 'Extract CRM accounts', status: 'RUNNING' }],
};

const bearer = (token: string) => ['-H', `Authorization: Bearer ${token}`];

describe('the service under serverless offline, called with curl', () => {
  let stack: OfflineStack;
  const demo = (path: string) => `${stack.url}/pools/demo${path}`;
  // The functions' own secret reads go to the emulator too.
  const celonisRequests = () =>
    stack.emulator
      .requests()
      .filter((r) => r.route !== 'secrets' && r.route !== 'sns');
  const cancelRequests = (jobId?: string) =>
    stack.emulator
      .requests()
      .filter((r) => r.route === 'cancel')
      .filter((r) => jobId === undefined || r.path.includes(jobId));

  beforeAll(async () => {
    await requireCurl();
    stack = await startOfflineStack({
      pools: [...demoPools(), crmPool],
      aliases: { demo: DEMO_POOL_ID, crm: CRM_POOL_ID },
      callers: TEST_CALLERS,
      cancelDelayMs: 1_000,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  beforeEach(({ onTestFailed }) => {
    stack.emulator.reset();
    onTestFailed(() => {
      console.error(`serverless offline said:\n${lastLines(stack.output())}`);
    });
  });

  describe('GET /pools/{pool}/jobs', () => {
    it('lists every data job of the demo pool as JSON', async () => {
      // Act
      const answer = await curl([...bearer(OPERATOR_TOKEN), demo('/jobs')]);

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(answer.body);
      expect(body.pool).toEqual({ id: DEMO_POOL_ID, alias: 'demo' });
      expect(body.jobs.map((job: { id: string }) => job.id).sort()).toEqual(
        Object.values(DEMO_JOB_IDS).sort(),
      );
      expect(body.jobs).toContainEqual(
        expect.objectContaining({
          id: DEMO_JOB_IDS.extractP2P,
          name: 'Extract SAP ECC P2P',
          status: 'RUNNING',
        }),
      );
      expect(Date.parse(body.fetchedAt)).not.toBeNaN();
    });

    it('lists them as a text table with Accept: text/plain', async () => {
      // Act
      const answer = await curl([
        ...bearer(OPERATOR_TOKEN),
        '-H',
        'Accept: text/plain',
        demo('/jobs'),
      ]);

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      const lines = answer.body.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAME\s+STATUS\s+STARTED\s+ID$/);
      expect(lines).toHaveLength(1 + Object.keys(DEMO_JOB_IDS).length);
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^Extract SAP ECC P2P\\s+RUNNING\\s+\\S+Z\\s+${DEMO_JOB_IDS.extractP2P}$`,
          ),
        ),
      );
    });
  });

  describe('GET /pools/{pool}/jobs/{jobId}', () => {
    it('shows one data job', async () => {
      // Act
      const answer = await curl([
        ...bearer(READER_TOKEN),
        demo(`/jobs/${DEMO_JOB_IDS.extractMasterData}`),
      ]);

      // Assess
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({
        pool: { id: DEMO_POOL_ID, alias: 'demo' },
        job: {
          id: DEMO_JOB_IDS.extractMasterData,
          name: 'Extract SAP ECC Master Data',
          status: 'QUEUED',
          dataSourceId: expect.any(String),
          currentExecutionId: expect.any(String),
          lastExecutionStartDate: expect.stringMatching(/Z$/),
        },
      });
    });
  });

  describe('POST /pools/{pool}/jobs/{jobId}/cancel', () => {
    it('answers 200 cancelled once the job reached CANCEL within ?wait=10', async () => {
      // Act
      const answer = await curl([
        '-X',
        'POST',
        ...bearer(OPERATOR_TOKEN),
        '-H',
        'Content-Type: application/json',
        '-d',
        '{"reason":"source system shutdown"}',
        demo(`/jobs/${DEMO_JOB_IDS.extractO2C}/cancel?wait=10`),
      ]);

      // Assess
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body);
      expect(body).toMatchObject({
        result: 'cancelled',
        previousStatus: 'RUNNING',
        job: { id: DEMO_JOB_IDS.extractO2C, status: 'CANCEL' },
      });
      expect(
        stack.emulator.getJob(DEMO_POOL_ID, DEMO_JOB_IDS.extractO2C)?.status,
      ).toBe('CANCEL');
      expect(cancelRequests()).toHaveLength(1);
      expect(cancelRequests(DEMO_JOB_IDS.extractO2C)).toHaveLength(1);
    });

    it('writes one audit line with the caller, pool, job, reason and result', async () => {
      // Act
      await curl([
        '-X',
        'POST',
        ...bearer(OPERATOR_TOKEN),
        '-d',
        '{"reason":"audit check"}',
        demo(`/jobs/${DEMO_JOB_IDS.extractP2P}/cancel?wait=0`),
      ]);

      // Assess
      const line = await stack.waitForLog(
        (l) => l.message === 'job cancel' && l.reason === 'audit check',
      );
      expect(line).toMatchObject({
        caller: 'night-operator',
        pool: 'demo',
        jobId: DEMO_JOB_IDS.extractP2P,
        result: 'cancel-requested',
      });
    });

    it('answers not-running for a finished job and sends Celonis no cancel', async () => {
      // Act
      const answer = await curl([
        '-X',
        'POST',
        ...bearer(OPERATOR_TOKEN),
        demo(`/jobs/${DEMO_JOB_IDS.deltaO2C}/cancel`),
      ]);

      // Assess
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({
        result: 'not-running',
        previousStatus: 'SUCCESS',
        job: { id: DEMO_JOB_IDS.deltaO2C, status: 'SUCCESS' },
      });
      expect(cancelRequests()).toEqual([]);
    });
  });

  describe('POST /pools/{pool}/cancel-running', () => {
    it('names the running and queued jobs in a dry run and cancels none', async () => {
      // Act
      const answer = await curl([
        '-X',
        'POST',
        ...bearer(OPERATOR_TOKEN),
        demo('/cancel-running?dryRun=true'),
      ]);

      // Assess
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body);
      expect(body.dryRun).toBe(true);
      expect(body.summary).toEqual({ 'would-cancel': 3 });
      expect(cancelRequests()).toEqual([]);
    });
  });

  describe('malformed input', () => {
    it.each([
      ['a job id that is not a UUID', 'GET', '/jobs/not-a-uuid', /jobId/],
      [
        'wait above 25 seconds',
        'POST',
        `/jobs/${DEMO_JOB_IDS.extractP2P}/cancel?wait=99`,
        /wait/,
      ],
      [
        'dryRun other than true or false',
        'POST',
        '/cancel-running?dryRun=maybe',
        /dryRun/,
      ],
    ])(
      'answers 400 naming the field for %s',
      async (_, method, path, field) => {
        // Act
        const answer = await curl([
          '-X',
          method,
          ...bearer(OPERATOR_TOKEN),
          demo(path),
        ]);

        // Assess
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toMatch(
          /^application\/problem\+json/,
        );
        const problem = JSON.parse(answer.body);
        expect(problem).toMatchObject({ status: 400, title: 'Bad request' });
        expect(problem.detail).toMatch(field);
        expect(cancelRequests()).toEqual([]);
      },
    );
  });

  describe('not found', () => {
    it('answers 404 for a pool alias that is not configured', async () => {
      // Act
      const answer = await curl([
        ...bearer(READER_TOKEN),
        `${stack.url}/pools/finance/jobs`,
      ]);

      // Assess
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 404,
        detail: expect.stringContaining('finance'),
      });
      expect(celonisRequests()).toEqual([]);
    });

    it('answers 404 for a job that Celonis does not know', async () => {
      // Act
      const answer = await curl([
        ...bearer(OPERATOR_TOKEN),
        demo(`/jobs/${UNKNOWN_JOB_ID}`),
      ]);

      // Assess
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
      expect(JSON.parse(answer.body)).toMatchObject({ status: 404 });
    });
  });

  describe('callers', () => {
    it('answers 401 with WWW-Authenticate: Bearer without a token', async () => {
      // Act
      const answer = await curl([demo('/jobs')]);

      // Assess
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.parse(answer.body)).toMatchObject({ status: 401 });
    });

    it('answers 401 for an unknown token, before checking the input', async () => {
      // Act
      const answer = await curl([
        ...bearer(WRONG_TOKEN),
        demo('/jobs/not-a-uuid'),
      ]);

      // Assess
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
    });

    it('answers 403 to a read-only caller that cancels, and cancels nothing', async () => {
      // Act
      const answer = await curl([
        '-X',
        'POST',
        ...bearer(READER_TOKEN),
        demo(`/jobs/${DEMO_JOB_IDS.extractP2P}/cancel`),
      ]);

      // Assess
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 403 });
      expect(cancelRequests()).toEqual([]);
      expect(
        stack.emulator.getJob(DEMO_POOL_ID, DEMO_JOB_IDS.extractP2P)?.status,
      ).toBe('RUNNING');
    });

    it('answers 403 to a caller of another pool', async () => {
      // Act
      const answer = await curl([...bearer(OTHER_POOL_TOKEN), demo('/jobs')]);

      // Assess
      expect(answer.status).toBe(403);
      expect(
        stack.emulator.requests().filter((r) => r.route === 'jobs'),
      ).toEqual([]);
    });

    it('serves a caller its own pool, named by alias or by id', async () => {
      // Act
      const byAlias = await curl([
        ...bearer(OTHER_POOL_TOKEN),
        `${stack.url}/pools/crm/jobs`,
      ]);
      const byId = await curl([
        ...bearer(OTHER_POOL_TOKEN),
        `${stack.url}/pools/${CRM_POOL_ID}/jobs/${CRM_JOB_ID}`,
      ]);

      // Assess
      expect(byAlias.status).toBe(200);
      expect(JSON.parse(byAlias.body).jobs).toEqual([
        expect.objectContaining({ id: CRM_JOB_ID, status: 'RUNNING' }),
      ]);
      expect(byId.status).toBe(200);
      expect(JSON.parse(byId.body).pool).toEqual({
        id: CRM_POOL_ID,
        alias: 'crm',
      });
    });
  });

  // Last: it reads what every test above made the functions log.
  it('never writes a token or the Celonis key to its logs', () => {
    // Act
    const output = stack.output();

    // Assess
    expect(
      stack.logLines().filter((l) => l.message === 'request handled').length,
    ).toBeGreaterThan(10);
    for (const secret of [
      OPERATOR_TOKEN,
      READER_TOKEN,
      OTHER_POOL_TOKEN,
      WRONG_TOKEN,
      APP_KEY,
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});

describe('npm start', () => {
  let start: ChildProcess;
  let output = '';
  let port: number;
  let lambdaPort: number;

  /** The command printed on the line after `heading`. */
  const printedCommand = (heading: string) => {
    const lines = output.split('\n');
    const command = lines[lines.indexOf(heading) + 1]?.trim();
    if (!command?.startsWith('curl ')) {
      throw new Error(`npm start printed no command after "${heading}"`);
    }

    return command;
  };

  /** Runs a printed command with the words a shell would give curl. */
  const runPrinted = (command: string) => curlCommandLine(command);

  beforeAll(async () => {
    await requireCurl();
    [port = 0, lambdaPort = 0] = await freePorts(2);
    start = spawn(process.execPath, ['scripts/start.ts'], {
      cwd: REPO_DIR,
      env: localEnv({
        PORT: String(port),
        LAMBDA_PORT: String(lambdaPort),
        ...NO_RELOAD,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    start.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    await poll(
      () => {
        if (start.exitCode !== null) {
          throw new Error(`npm start exited early:\n${output.slice(-3_000)}`);
        }

        return /\nPowerShell:\n.*\n/.test(output) ? true : undefined;
      },
      90_000,
      'curl commands from npm start',
    );
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      console.error(`npm start said:\n${lastLines(output)}`);
    });
  });

  afterAll(async () => {
    await stopStart(start);
  });

  it('prints its URL with the port from PORT', () => {
    // Assess
    expect(output).toContain(`Service ready on http://localhost:${port}`);
  });

  it('lists the demo jobs with the printed list command', async () => {
    // Prepare
    const command = printedCommand("List the demo pool's data jobs:");

    // Act
    const answer = await runPrinted(command);

    // Assess
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body);
    expect(body.pool).toEqual({ id: DEMO_POOL_ID, alias: 'demo' });
    expect(body.jobs).toHaveLength(Object.keys(DEMO_JOB_IDS).length);
  });

  it('cancels a running job with the printed cancel command', async () => {
    // Prepare
    const command = printedCommand(
      'Cancel a running job and wait up to 10 s for it to stop:',
    );

    // Act
    const answer = await runPrinted(command);

    // Assess
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      result: 'cancelled',
      previousStatus: 'RUNNING',
      job: { id: DEMO_JOB_IDS.extractO2C, status: 'CANCEL' },
    });
  });

  it('stops on Ctrl-C with exit status 0 and frees its ports', async () => {
    // Act
    const exited = once(start, 'exit');
    start.kill('SIGINT');
    const [code] = await exited;

    // Assess
    expect(code).toBe(0);
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(lambdaPort)).toBe(true);
  });
});

/**
 * Ctrl-C, as a person would; if that fails, SIGKILL to the script and to
 * the serverless offline process group it started.
 */
async function stopStart(start: ChildProcess | undefined): Promise<void> {
  if (start?.pid === undefined || start.exitCode !== null) {
    return;
  }
  const exited = once(start, 'exit');
  start.kill('SIGINT');
  const stopped = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(resolve, 10_000, false)),
  ]);
  if (stopped) {
    return;
  }
  for (const pid of await childPids(start.pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Not a group leader, or gone already.
    }
  }
  start.kill('SIGKILL');
}

/** The processes whose parent is `parent` (Linux /proc). */
async function childPids(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [])) {
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parent) {
      pids.push(Number(entry));
    }
  }

  return pids;
}
