import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type {
  AutoCancelOutcome,
  AutoCancelResult,
} from '../../../lib/auto-cancel.ts';
import {
  formatNotification,
  publishNotification,
} from '../../../lib/notify.ts';

const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:celonis-job-control';
const P2P = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';
const BROKEN = '55555555-6666-4777-8888-999999999999';
const STUBBORN = '44444444-5555-4666-8777-888888888888';
const LOAD = '33333333-4444-4555-8666-777777777777';
const NIGHTLY = '22222222-3333-4444-8555-666666666666';
const CRM_JOB = '66666666-7777-4888-8999-aaaaaaaaaaaa';
const CANCEL_FAILED =
  'Celonis (POST /pools/{poolId}/jobs/{jobId}/cancel) answered HTTP 500; retries did not help.';

const sns = mockClient(SNSClient);

function result(
  pool: string,
  jobId: string,
  name: string,
  outcome: AutoCancelResult['result'],
  error?: string,
): AutoCancelResult {
  return {
    pool,
    jobId,
    name,
    previousStatus: 'RUNNING',
    result: outcome,
    status: outcome === 'cancelled' ? 'CANCEL' : 'RUNNING',
    ...(error !== undefined && { error }),
  };
}

function mixedOutcome(): AutoCancelOutcome {
  return {
    dryRun: false,
    results: [
      result('sap-ecc', P2P, 'Extract P2P', 'cancelled'),
      result('sap-ecc', BROKEN, 'Broken', 'failed', CANCEL_FAILED),
      result('crm', STUBBORN, 'Stubborn', 'cancel-requested'),
      result('sap-ecc', LOAD, 'Load', 'not-running'),
      result('sap-ecc', NIGHTLY, 'Nightly', 'excluded'),
      result('crm', CRM_JOB, '', 'cancelled'),
    ],
    summary: {
      cancelled: 2,
      failed: 1,
      'cancel-requested': 1,
      'not-running': 1,
      excluded: 1,
    },
    poolErrors: [
      {
        pool: 'finance',
        error:
          'Celonis (GET /pools/{poolId}/jobs) answered HTTP 502; retries did not help.',
      },
    ],
    pools: ['sap-ecc', 'crm', 'finance'],
    reason: 'nightly SAP shutdown',
    startedAt: '2026-12-03T22:00:00.000Z',
    ok: false,
  };
}

function dryRunOutcome(): AutoCancelOutcome {
  return {
    dryRun: true,
    results: [
      result('sap-ecc', P2P, 'Extract P2P', 'would-cancel'),
      result('sap-ecc', LOAD, 'Load', 'would-cancel'),
    ],
    summary: { 'would-cancel': 2 },
    poolErrors: [],
    pools: ['sap-ecc'],
    reason: undefined,
    startedAt: '2026-12-03T22:00:00.000Z',
    ok: true,
  };
}

describe('formatNotification', () => {
  it('lists a mixed run by result, failures first', () => {
    // Act
    const { subject, message } = formatNotification(mixedOutcome());

    // Assess
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(
      /^Celonis auto-cancel ATTENTION in sap-ecc, crm, finance: 1 failed, 1 cancel-requested, 2 cancelled/,
    );
    expect(message).toBe(
      [
        'Auto-cancel run at 2026-12-03T22:00:00.000Z in sap-ecc, crm, finance.',
        'Reason: nightly SAP shutdown',
        'Some jobs may still be running: see below.',
        '',
        'Pool finance could not be read: Celonis (GET /pools/{poolId}/jobs) answered HTTP 502; retries did not help.',
        '',
        'Cancel failed (1):',
        `  sap-ecc  Broken  ${BROKEN} - ${CANCEL_FAILED}`,
        '',
        'Cancel requested, still running at the end (1):',
        `  crm  Stubborn  ${STUBBORN}`,
        '',
        'Cancelled (2):',
        `  sap-ecc  Extract P2P  ${P2P}`,
        `  crm  (unnamed)  ${CRM_JOB}`,
        '',
        'Ended on their own (1):',
        `  sap-ecc  Load  ${LOAD}`,
        '',
        'Excluded, left running (1):',
        `  sap-ecc  Nightly  ${NIGHTLY}`,
      ].join('\n'),
    );
  });

  it('says a dry run is one, in the subject and the body', () => {
    // Act
    const { subject, message } = formatNotification(dryRunOutcome());

    // Assess
    expect(subject).toBe(
      'Celonis auto-cancel ok (dry run) in sap-ecc: 2 would-cancel',
    );
    expect(message).toBe(
      [
        'Auto-cancel dry run at 2026-12-03T22:00:00.000Z in sap-ecc.',
        'Dry run: nothing was cancelled.',
        '',
        'Would cancel (dry run) (2):',
        `  sap-ecc  Extract P2P  ${P2P}`,
        `  sap-ecc  Load  ${LOAD}`,
      ].join('\n'),
    );
  });

  it('says when nothing was running', () => {
    // Prepare
    const outcome = {
      ...dryRunOutcome(),
      dryRun: false,
      results: [],
      summary: {},
    };

    // Act
    const { subject } = formatNotification(outcome);

    // Assess
    expect(subject).toBe('Celonis auto-cancel ok in sap-ecc: nothing running');
  });

  it('cuts a long subject to 100 characters', () => {
    // Prepare
    const pools = Array.from({ length: 12 }, (_, i) => `pool-number-${i}`);
    const outcome = { ...mixedOutcome(), pools };

    // Act
    const { subject } = formatNotification(outcome);

    // Assess
    expect(subject).toHaveLength(100);
    expect(subject.endsWith('...')).toBe(true);
  });
});

describe('publishNotification', () => {
  beforeEach(() => {
    sns.reset();
  });

  it('publishes the subject and message to the topic', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
    const text = formatNotification(mixedOutcome());

    // Act
    await publishNotification(TOPIC_ARN, text, new SNSClient({}));

    // Assess
    expect(sns).toReceiveCommandTimes(PublishCommand, 1);
    expect(sns).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: text.subject,
      Message: text.message,
    });
  });

  it('publishes through the shared client when none is given', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'message-2' });

    // Act
    await publishNotification(TOPIC_ARN, { subject: 's', message: 'm' });

    // Assess
    expect(sns).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: 's',
      Message: 'm',
    });
  });

  it('throws when SNS refuses the message', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AuthorizationErrorException',
    });
    sns.on(PublishCommand).rejects(denied);

    // Act
    const publishing = publishNotification(
      TOPIC_ARN,
      { subject: 's', message: 'm' },
      new SNSClient({}),
    );

    // Assess
    await expect(publishing).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
    });
  });
});
