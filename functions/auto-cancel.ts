/**
 * Run by EventBridge Scheduler before a source system's shutdown: cancels
 * the running data jobs of the configured pools. The schedule's input is
 * the event; every field is optional.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  type AutoCancelOutcome,
  parseEvent,
  reportRun,
  runAutoCancel,
} from '../lib/auto-cancel.ts';
import { loadConfig } from '../lib/config.ts';
import { Deadline } from '../lib/deadline.ts';
import { logger } from '../lib/logger.ts';
import { createServices } from '../lib/services.ts';

const config = loadConfig(process.env);
const services = createServices(config);

// Time kept back to log, notify and return after the last poll.
const MARGIN_MS = 5_000;

async function autoCancel(
  event: unknown,
  context: Context,
): Promise<Pick<AutoCancelOutcome, 'dryRun' | 'results' | 'summary'>> {
  const request = parseEvent(
    event,
    config.pools,
    config.autoCancelPools,
    config.autoCancelDryRun,
  );
  const deadline = Deadline.fromRemaining(
    context.getRemainingTimeInMillis(),
    MARGIN_MS,
  );

  const outcome = await runAutoCancel(services, request, deadline);
  // Throws, after logging and notifying, unless every target has ended.
  await reportRun(outcome, config.notifyTopicArn);

  const { dryRun, results, summary } = outcome;

  return { dryRun, results, summary };
}

export const handler = middy<unknown, unknown, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(autoCancel);
