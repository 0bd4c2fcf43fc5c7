/**
 * The summary of an autoCancel run, as one SNS message a person reads at a
 * glance: a subject with the counts and a body that lists, per result, the
 * pool, name and id of each job.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { AutoCancelOutcome } from './auto-cancel.ts';
import type { CancelResult } from './cancel.ts';

// Loaded on first use: most runs of most stages publish nothing, and the
// SNS client module is a good part of autoCancel's cold start.
const loadSns = () => import('@aws-sdk/client-sns');

let client: Promise<SNSClient> | undefined;

/** The SNS client, created on first use. */
function snsClient(): Promise<SNSClient> {
  // A publish must not eat autoCancel's margin for logging and returning.
  client ??= loadSns().then(
    ({ SNSClient }) =>
      new SNSClient({
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
      }),
  );

  return client;
}

export interface NotificationText {
  subject: string;
  message: string;
}

const sections: { result: CancelResult; heading: string }[] = [
  { result: 'failed', heading: 'Cancel failed' },
  {
    result: 'cancel-requested',
    heading: 'Cancel requested, still running at the end',
  },
  { result: 'cancelled', heading: 'Cancelled' },
  { result: 'would-cancel', heading: 'Would cancel (dry run)' },
  { result: 'not-running', heading: 'Ended on their own' },
  { result: 'excluded', heading: 'Excluded, left running' },
];

/**
 * @example
 * const { subject, message } = formatNotification(outcome);
 */
export function formatNotification(
  outcome: AutoCancelOutcome,
): NotificationText {
  const counts = sections
    .map(({ result }) => [result, outcome.summary[result] ?? 0] as const)
    .filter(([, count]) => count > 0)
    .map(([result, count]) => `${count} ${result}`);
  const pools = outcome.pools.join(', ');
  const verdict = outcome.ok ? 'ok' : 'ATTENTION';
  const mode = outcome.dryRun ? ' (dry run)' : '';
  // Pools come before the counts, so a subject cut at 100 characters
  // still says where.
  const subject = `Celonis auto-cancel ${verdict}${mode} in ${pools}: ${
    counts.join(', ') || 'nothing running'
  }`;

  const lines = [
    `Auto-cancel ${outcome.dryRun ? 'dry run' : 'run'} at ${outcome.startedAt} in ${pools}.`,
    outcome.reason ? `Reason: ${outcome.reason}` : undefined,
    verdictLine(outcome),
    ...outcome.poolErrors.map(
      (entry) => `\nPool ${entry.pool} could not be read: ${entry.error}`,
    ),
    ...sections.flatMap(({ result, heading }) =>
      section(outcome, result, heading),
    ),
  ];

  return {
    subject: truncate(subject, 100),
    message: lines.filter((line) => line !== undefined).join('\n'),
  };
}

function verdictLine(outcome: AutoCancelOutcome): string {
  if (!outcome.ok) {
    return 'Some jobs may still be running: see below.';
  }

  return outcome.dryRun
    ? 'Dry run: nothing was cancelled.'
    : 'Every targeted job has ended.';
}

function section(
  outcome: AutoCancelOutcome,
  result: CancelResult,
  heading: string,
): string[] {
  const rows = outcome.results.filter((entry) => entry.result === result);
  if (rows.length === 0) {
    return [];
  }

  return [
    `\n${heading} (${rows.length}):`,
    ...rows.map((entry) => {
      const error = entry.error ? ` - ${entry.error}` : '';

      return `  ${entry.pool}  ${entry.name || '(unnamed)'}  ${entry.jobId}${error}`;
    }),
  ];
}

// SNS refuses subjects over 100 characters.
function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

export async function publishNotification(
  topicArn: string,
  text: NotificationText,
  sns?: SNSClient,
): Promise<void> {
  const { PublishCommand } = await loadSns();
  const publisher = sns ?? (await snsClient());
  await publisher.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: text.subject,
      Message: text.message,
    }),
  );
}
