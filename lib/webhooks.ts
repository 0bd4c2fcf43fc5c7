/**
 * Monitoring notifications that may ask for a cancel: Prometheus
 * Alertmanager (`version` "4") and Grafana Alerting (`version` "1") webhook
 * bodies, recognised by their `alerts` array. Only firing alerts count.
 * Each firing alert with `celonis_job_id` or `celonis_data_source_id`
 * labels selects the jobs they name; when no firing alert has them, every
 * running job of the pool is a target.
 */
import * as z from 'zod';
import type { JobSelector } from './cancel.ts';
import { parseInput, uuid } from './validation.ts';

export interface WebhookRequest {
  firing: number;
  selectors: JobSelector[];
  /** The firing alerts' names, for the audit line. */
  alertNames: string[];
}

const alert = z.looseObject({
  status: z.string(),
  labels: z
    .looseObject({
      alertname: z.string().optional(),
      celonis_job_id: uuid.optional(),
      celonis_data_source_id: uuid.optional(),
    })
    .optional(),
});

const notification = z.looseObject({
  version: z.string().optional(),
  alerts: z.array(alert),
});

export function isWebhook(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as { alerts?: unknown }).alerts)
  );
}

/**
 * @example
 * parseWebhook(alertmanagerBody); // { firing: 1, selectors: [{}], ... }
 */
export function parseWebhook(body: unknown): WebhookRequest {
  const { alerts } = parseInput(notification, body, 'body');
  const firing = alerts.filter((entry) => entry.status === 'firing');
  const named = firing
    .map(({ labels }) => ({
      ...(labels?.celonis_job_id && {
        jobIds: new Set([labels.celonis_job_id]),
      }),
      ...(labels?.celonis_data_source_id && {
        dataSourceIds: new Set([labels.celonis_data_source_id]),
      }),
    }))
    .filter((selector) => Object.keys(selector).length > 0);

  // Labels narrow: an alert without them widens nothing while another
  // names jobs; only when none does is every running job a target.
  const everyJob = firing.length > 0 ? [{}] : [];

  return {
    firing: firing.length,
    selectors: named.length > 0 ? named : everyJob,
    alertNames: [
      ...new Set(firing.map(({ labels }) => labels?.alertname ?? 'unnamed')),
    ],
  };
}
