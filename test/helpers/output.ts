/**
 * Collects what the code under test writes to stdout and stderr (the
 * structured log lines), still passing it through, so a test can assert
 * what was logged and what was not.
 */
import { vi } from 'vitest';

export interface CapturedOutput {
  text(): string;
  /** The JSON log lines, parsed; other lines are left out. */
  logLines(): Record<string, unknown>[];
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;

    return vi.spyOn(stream, 'write').mockImplementation(((
      chunk: unknown,
      ...rest: unknown[]
    ) => {
      chunks.push(typeof chunk === 'string' ? chunk : String(chunk));

      return write(chunk, ...rest);
    }) as typeof stream.write);
  });
  const text = () => chunks.join('');

  return {
    text,
    logLines: () =>
      text()
        .split('\n')
        .flatMap((line) => parseJsonObject(line)),
    restore: () => {
      for (const spy of spies) {
        spy.mockRestore();
      }
    },
  };
}

function parseJsonObject(line: string): Record<string, unknown>[] {
  if (!line.trimStart().startsWith('{')) {
    return [];
  }
  try {
    return [JSON.parse(line) as Record<string, unknown>];
  } catch {
    return [];
  }
}
