/**
 * Runs before every unit, integration and AWS test file: dummy AWS
 * credentials (nothing here may reach real AWS), and a guard that fails the
 * file when any output line carries a test credential. Every credential in
 * the tests contains `LEAK_MARKER`, so the guard can recognise them.
 */
import { afterAll } from 'vitest';
import { LEAK_MARKER } from './helpers/secrets.ts';

process.env.AWS_REGION ??= 'eu-central-1';
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.POWERTOOLS_DEV = 'false';

const leaks: string[] = [];

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as typeof stream.write;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : String(chunk);
    if (text.includes(LEAK_MARKER)) {
      leaks.push(text.slice(0, 300));
    }

    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
}

afterAll(() => {
  if (leaks.length > 0) {
    throw new Error(
      `A credential reached the output ${leaks.length} time(s), e.g.: ${leaks[0]}`,
    );
  }
});
