/**
 * The autoCancel benchmark's child: one run of the scheduled handler, with
 * the pools of `AUTO_CANCEL_POOLS` and the service's default request limit.
 * Times the invocation alone, not the module load.
 * @module
 */
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../test/helpers/events.ts';
import { report } from './child.ts';
import { round } from './stats.ts';

interface Outcome {
  results: unknown[];
  summary: Record<string, number>;
  poolErrors: unknown[];
}

type Handler = (event: unknown, context: Context) => Promise<Outcome>;

const { handler } = (await import('../functions/auto-cancel.ts')) as {
  handler: Handler;
};

// autoCancel's timeout in serverless.yml.
const context = lambdaContext(720_000, 'autoCancel');
const start = performance.now();
let outcome: Outcome | undefined;
let error: string | undefined;
try {
  outcome = await handler({}, context);
} catch (thrown) {
  error = `${(thrown as Error).name}: ${(thrown as Error).message}`;
}
const durationMs = performance.now() - start;

report({
  durationMs: round(durationMs, 1),
  results: outcome?.results.length ?? 0,
  summary: outcome?.summary ?? {},
  poolErrors: outcome?.poolErrors ?? [],
  error,
});
process.exit(0);
