/**
 * One packaged handler in a fresh process, as in a new Lambda sandbox:
 * imports the bundle named by the first argument, invokes its `handler`
 * `BENCH_REQUESTS` times with `BENCH_EVENT`, and writes timings and peak
 * memory to `BENCH_RESULT_FILE`.
 *
 * Plain JavaScript on purpose: a `.ts` entry makes Node load its type
 * stripper first (about 70 ms and 13 MB here), which Lambda never does and
 * which would blur both the cold start and the memory figure.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const startedAt = performance.now();
const bundle = process.argv[2] ?? '';
const requests = Number(process.env.BENCH_REQUESTS ?? '1');
const event = JSON.parse(process.env.BENCH_EVENT ?? '{}');

/** A Lambda context with 29 s left, like an HTTP function's. */
function lambdaContext(index) {
  const endsAt = Date.now() + 29_000;

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'celonis-job-control-bench',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:eu-central-1:000000000000:function:celonis-job-control-bench',
    memoryLimitInMB: '128',
    awsRequestId: `bench-${index}`,
    logGroupName: '/aws/lambda/celonis-job-control-bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The answer's status code, `ok` for a non-HTTP result, or the error. */
async function invoke(handler, index) {
  try {
    const result = await handler(event, lambdaContext(index));

    return String(result?.statusCode ?? 'ok');
  } catch (error) {
    return `threw ${error?.name ?? 'error'}`;
  }
}

const { handler } = await import(pathToFileURL(bundle).href);
const loadedAt = performance.now();
const outcomes = {};
let firstAnswerAt;
for (let index = 0; index < requests; index++) {
  const outcome = await invoke(handler, index);
  firstAnswerAt ??= performance.now();
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
}

writeFileSync(
  process.env.BENCH_RESULT_FILE ?? '/dev/stdout',
  JSON.stringify({
    timeOrigin: performance.timeOrigin,
    startedAt,
    loadedAt,
    firstAnswerAt,
    outcomes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
  }),
);
// Keep-alive sockets of fetch and the SDK would hold the process open.
process.exit(0);
