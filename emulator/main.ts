/**
 * Starts the Celonis emulator with the demo data:
 *
 *     node emulator/main.ts [--port 4010] [--host 127.0.0.1]
 *       [--cancel-delay-ms 3000] [--rate-limit 20] [--latency-ms 0]
 *
 * Prints one line with its URL and runs until SIGINT or SIGTERM.
 * @module
 */
import { parseArgs } from 'node:util';
import { startCelonisEmulator } from './celonis.ts';
import { DEMO_POOL_ID, demoAppKey, demoPools } from './demo.ts';
import type { EmulatorOptions } from './types.ts';

const USAGE =
  'usage: node emulator/main.ts [--port 4010] [--host 127.0.0.1] ' +
  '[--cancel-delay-ms 3000] [--rate-limit <requests per second>] ' +
  '[--latency-ms 0]';

function readNumber(
  values: Record<string, string | undefined>,
  name: string,
): number | undefined {
  const text = values[name];
  if (text === undefined) {
    return undefined;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new Error(`--${name} must be a number of at least 0, got '${text}'`);
  }

  return value;
}

function readOptions(args: string[]): EmulatorOptions {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      'cancel-delay-ms': { type: 'string' },
      'rate-limit': { type: 'string' },
      'latency-ms': { type: 'string' },
    },
    strict: true,
  });

  return {
    host: values.host,
    port: readNumber(values, 'port'),
    cancelDelayMs: readNumber(values, 'cancel-delay-ms'),
    rateLimitPerSecond: readNumber(values, 'rate-limit') ?? null,
    latencyMs: readNumber(values, 'latency-ms'),
    pools: demoPools(),
    appKeys: [demoAppKey],
  };
}

async function main(): Promise<void> {
  let options: EmulatorOptions;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    console.error(USAGE);
    process.exit(2);
  }

  const emulator = await startCelonisEmulator(options);
  console.log(
    `Celonis emulator on ${emulator.url} (pool ${DEMO_POOL_ID}, ` +
      `Authorization: AppKey ${demoAppKey})`,
  );

  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
