import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { selectRunning } from '../../../lib/cancel.ts';
import { BadRequestError } from '../../../lib/errors.ts';
import type { Job } from '../../../lib/jobs.ts';
import { isWebhook, parseWebhook } from '../../../lib/webhooks.ts';
import { thrown } from '../../helpers/thrown.ts';

const P2P = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';
const O2C = '11111111-2222-4333-8444-555555555555';
const CRM = '22222222-3333-4444-8555-666666666666';
const SAP_SOURCE = '3702de43-b181-4b5b-90da-87e056ce7616';

type Alert = { status: string; labels?: Record<string, unknown> };
type Notification = { alerts: Alert[] } & Record<string, unknown>;

function fixture(name: string): Notification {
  const url = new URL(`../../fixtures/webhooks/${name}.json`, import.meta.url);

  return JSON.parse(readFileSync(url, 'utf8')) as Notification;
}

const runningJobs: Job[] = [
  [P2P, SAP_SOURCE],
  [O2C, SAP_SOURCE],
  [CRM, null],
].map(([id, dataSourceId]) => ({
  id: id as string,
  name: id as string,
  status: 'RUNNING',
  dataSourceId: dataSourceId ?? null,
  currentExecutionId: null,
  lastExecutionStartDate: null,
}));

describe('isWebhook', () => {
  it.each([
    'alertmanager-firing',
    'alertmanager-resolved',
    'grafana-firing',
    'grafana-mixed',
  ])('recognises %s', (name) => {
    // Act
    const recognised = isWebhook(fixture(name));

    // Assess
    expect(recognised).toBe(true);
  });

  it.each([
    ['a narrowing body', { jobIds: [P2P] }],
    ['alerts that are not a list', { version: '4', alerts: 'firing' }],
    ['a list', [{ alerts: [] }]],
    ['null', null],
    ['no body', undefined],
    ['text', 'alerts'],
  ])('does not take %s for a webhook', (_case, body) => {
    // Act
    const recognised = isWebhook(body);

    // Assess
    expect(recognised).toBe(false);
  });
});

describe('parseWebhook', () => {
  it('selects by the labels of Alertmanager firing alerts', () => {
    // Act
    const request = parseWebhook(fixture('alertmanager-firing'));

    // Assess
    expect(request).toEqual({
      firing: 2,
      selectors: [
        { jobIds: new Set([P2P]) },
        { dataSourceIds: new Set([SAP_SOURCE]) },
      ],
      alertNames: ['CelonisJobRunningTooLong', 'SapSourceMaintenance'],
    });
  });

  it.each(['alertmanager-resolved', 'grafana-resolved'])(
    'counts no firing alert in %s',
    (name) => {
      // Act
      const request = parseWebhook(fixture(name));

      // Assess
      expect(request).toEqual({ firing: 0, selectors: [], alertNames: [] });
    },
  );

  it('ignores the resolved alerts of an Alertmanager notification', () => {
    // Act
    const request = parseWebhook(fixture('alertmanager-mixed'));

    // Assess
    expect(request).toEqual({
      firing: 1,
      selectors: [{ jobIds: new Set([P2P]) }],
      alertNames: ['CelonisJobRunningTooLong'],
    });
  });

  it('selects by both labels of a Grafana firing alert', () => {
    // Act
    const request = parseWebhook(fixture('grafana-firing'));

    // Assess
    expect(request).toEqual({
      firing: 1,
      selectors: [
        { jobIds: new Set([P2P]), dataSourceIds: new Set([SAP_SOURCE]) },
      ],
      alertNames: ['Celonis extraction overlaps SAP maintenance'],
    });
  });

  it('selects every job for a Grafana firing alert without Celonis labels', () => {
    // Act
    const request = parseWebhook(fixture('grafana-mixed'));

    // Assess
    expect(request).toEqual({
      firing: 1,
      selectors: [{}],
      alertNames: ['SAP ECC maintenance window'],
    });
  });

  it.each([
    ['alertmanager-firing', [P2P, O2C]],
    ['alertmanager-mixed', [P2P]],
    ['grafana-firing', [P2P]],
    ['grafana-mixed', [P2P, O2C, CRM]],
  ])('narrows the running jobs by the labels of %s', (name, expected) => {
    // Prepare
    const { selectors } = parseWebhook(fixture(name));

    // Act
    const targets = selectRunning(runningJobs, selectors);

    // Assess
    expect(targets.map((job) => job.id)).toEqual(expected);
  });

  it('names an alert without labels "unnamed" and selects every job', () => {
    // Act
    const request = parseWebhook({
      version: '4',
      alerts: [{ status: 'firing' }, { status: 'firing', labels: {} }],
    });

    // Assess
    expect(request).toEqual({
      firing: 2,
      selectors: [{}],
      alertNames: ['unnamed'],
    });
  });

  it('lets an alert without labels widen nothing beside one that names a job', () => {
    // Act
    const request = parseWebhook({
      version: '4',
      alerts: [
        { status: 'firing', labels: { alertname: 'SourceShutdown' } },
        { status: 'firing', labels: { celonis_job_id: P2P } },
      ],
    });

    // Assess
    expect(request.selectors).toEqual([{ jobIds: new Set([P2P]) }]);
  });

  it.each([
    ['celonis_job_id', 'extract-p2p'],
    ['celonis_job_id', ''],
    ['celonis_data_source_id', 'SAP ECC'],
    ['celonis_data_source_id', 42],
  ])('throws 400 naming the field when %s is %j', (label, value) => {
    // Prepare
    const body = fixture('alertmanager-firing');
    const alert = body.alerts[1] as Alert;
    alert.labels = { ...alert.labels, [label]: value };

    // Act
    const error = thrown(() => parseWebhook(body));

    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      message: expect.stringMatching(
        new RegExp(`^body\\.alerts\\.1\\.labels\\.${label}: `),
      ),
    });
  });

  it('throws 400 naming the field when an alert has no status', () => {
    // Prepare
    const body = fixture('grafana-firing');
    delete (body.alerts[0] as Partial<Alert>).status;

    // Act
    const error = thrown(() => parseWebhook(body));

    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      message: expect.stringMatching(/^body\.alerts\.0\.status: /),
    });
  });
});
