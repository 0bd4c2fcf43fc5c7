/**
 * A real Prometheus Alertmanager drives the monitoring route: it runs the
 * alertmanager.yml of README.md, pointed at the service under
 * serverless offline, and its webhook receiver posts to
 * `POST /pools/demo/cancel-running` with the operator's bearer token; the
 * Celonis emulator shows what was cancelled. Run with `npm run test:e2e`.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_JOB_IDS, DEMO_POOL_ID, demoPools } from '../../emulator/demo.ts';
import type { JobStatus } from '../../emulator/types.ts';
import {
  type Alert,
  type Alertmanager,
  startAlertmanager,
} from '../helpers/alertmanager.ts';
import {
  type LogLine,
  lastLines,
  type OfflineStack,
  poll,
  startOfflineStack,
} from '../helpers/offline.ts';
import { OPERATOR_TOKEN, TEST_CALLERS } from '../helpers/secrets.ts';

const WEBHOOK_PATH = '/pools/demo/cancel-running';
const RESTARTED_JOB_ID = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const IN_PROGRESS = [
  DEMO_JOB_IDS.extractP2P,
  DEMO_JOB_IDS.extractO2C,
  DEMO_JOB_IDS.extractMasterData,
];
const NOTIFICATION_TIMEOUT_MS = 30_000;
const DOCUMENTED_API =
  'https://abcd1234.execute-api.eu-central-1.amazonaws.com';
const DOCUMENTED_POOL = 'sap-ecc';

/**
 * The alertmanager.yml of README.md, as a user adapts it: the
 * API's URL, the pool's alias and the token file; the intervals shortened
 * to a second so that the test is quick.
 */
async function documentedConfig(
  apiUrl: string,
  tokenFile: string,
): Promise<string> {
  const doc = await readFile(
    new URL('../../README.md', import.meta.url),
    'utf8',
  );
  const config = /```yaml\n(route:[\s\S]*?webhook_configs[\s\S]*?)```/.exec(
    doc,
  )?.[1];
  if (config === undefined) {
    throw new Error('README.md has no alertmanager.yml block');
  }
  const edits: [string | RegExp, string][] = [
    [DOCUMENTED_API, apiUrl],
    [DOCUMENTED_POOL, 'demo'],
    [/credentials_file: \S+/g, `credentials_file: ${tokenFile}`],
    [/(group_wait|group_interval): \S+/g, '$1: 1s'],
  ];

  return edits.reduce((text, [pattern, value]) => {
    const edited = text.replaceAll(pattern, value);
    if (edited === text) {
      throw new Error(`README.md: alertmanager.yml lacks ${pattern}`);
    }

    return edited;
  }, config);
}

function alert(labels: Record<string, string>): Alert {
  const now = Date.now();

  return {
    labels: { celonis_pool: 'demo', ...labels },
    annotations: { summary: 'SAP ECC goes down for maintenance' },
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
  };
}

function resolved(firing: Alert): Alert {
  return { ...firing, endsAt: new Date(Date.now() - 1_000).toISOString() };
}

describe('Alertmanager calling POST /pools/{pool}/cancel-running', () => {
  let stack: OfflineStack;
  let alertmanager: Alertmanager;

  const statusOf = (jobId: string): JobStatus | null | undefined =>
    stack.emulator.getJob(DEMO_POOL_ID, jobId)?.status;
  const cancelledJobIds = () =>
    stack.emulator
      .requests()
      .filter((request) => request.route === 'cancel')
      .map((request) => request.path.split('/').at(-2))
      .sort();
  const webhookCalls = (): LogLine[] =>
    stack
      .logLines()
      .filter(
        (line) =>
          line.message === 'request handled' && line.path === WEBHOOK_PATH,
      );
  const waitForWebhookCalls = (count: number) =>
    poll(
      () => (webhookCalls().length >= count ? true : undefined),
      NOTIFICATION_TIMEOUT_MS,
      `notification number ${count} from alertmanager`,
    );

  beforeAll(async () => {
    stack = await startOfflineStack({
      pools: demoPools(),
      aliases: { demo: DEMO_POOL_ID },
      callers: TEST_CALLERS,
      cancelDelayMs: 1_000,
    });
    alertmanager = await startAlertmanager({
      token: OPERATOR_TOKEN,
      config: (tokenFile) => documentedConfig(stack.url, tokenFile),
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await stack?.stop();
  });

  beforeEach(({ onTestFailed }) => {
    stack.emulator.reset();
    onTestFailed(() => {
      console.error(`serverless offline said:\n${lastLines(stack.output())}`);
      console.error(`alertmanager said:\n${lastLines(alertmanager.output())}`);
    });
  });

  it('cancels every running job on a firing alert, and nothing when it resolves', async () => {
    // Prepare
    const shutdown = alert({ alertname: 'SourceShutdown' });
    const callsBefore = webhookCalls().length;

    // Act
    await alertmanager.postAlerts([shutdown]);
    await poll(
      () =>
        IN_PROGRESS.every((id) => statusOf(id) === 'CANCEL') ? true : undefined,
      NOTIFICATION_TIMEOUT_MS,
      'cancel of every running and queued job',
    );
    await waitForWebhookCalls(callsBefore + 1);

    // Assess
    expect(cancelledJobIds()).toEqual([...IN_PROGRESS].sort());
    expect(webhookCalls().slice(callsBefore)).toEqual([
      expect.objectContaining({ caller: 'night-operator', status: 202 }),
    ]);
    const audit = stack
      .logLines()
      .filter((line) => line.reason === 'alert SourceShutdown');
    expect(audit.map((line) => line.jobId).sort()).toEqual(
      [...IN_PROGRESS].sort(),
    );

    // Prepare: a job started again after the cancel, before the resolve
    stack.emulator.addJob(DEMO_POOL_ID, {
      id: RESTARTED_JOB_ID,
      name: 'Extract SAP ECC P2P (restarted)',
      status: 'RUNNING',
    });

    // Act
    await alertmanager.postAlerts([resolved(shutdown)]);
    await waitForWebhookCalls(callsBefore + 2);

    // Assess
    expect(webhookCalls().slice(callsBefore + 1)).toEqual([
      expect.objectContaining({ caller: 'night-operator', status: 200 }),
    ]);
    expect(statusOf(RESTARTED_JOB_ID)).toBe('RUNNING');
    expect(cancelledJobIds()).toEqual([...IN_PROGRESS].sort());
  });

  it('cancels only the job named by a celonis_job_id label', async () => {
    // Prepare
    const target = DEMO_JOB_IDS.extractO2C;
    const callsBefore = webhookCalls().length;

    // Act
    await alertmanager.postAlerts([
      alert({ alertname: 'ExtractionTooLong', celonis_job_id: target }),
    ]);
    await poll(
      () => (statusOf(target) === 'CANCEL' ? true : undefined),
      NOTIFICATION_TIMEOUT_MS,
      'cancel of the labelled job',
    );
    await waitForWebhookCalls(callsBefore + 1);

    // Assess
    expect(cancelledJobIds()).toEqual([target]);
    expect(statusOf(DEMO_JOB_IDS.extractP2P)).toBe('RUNNING');
    expect(statusOf(DEMO_JOB_IDS.extractMasterData)).toBe('QUEUED');
  });

  // Last: it reads what the tests above made both processes log.
  it('keeps the bearer token out of the service and Alertmanager logs', () => {
    // Assess
    expect(webhookCalls().length).toBeGreaterThanOrEqual(3);
    expect(stack.output()).not.toContain(OPERATOR_TOKEN);
    expect(alertmanager.output()).not.toContain(OPERATOR_TOKEN);
  });
});
