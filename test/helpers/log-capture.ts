/**
 * Captures what the code under test writes to stdout and stderr (the
 * structured log lines), still passing it on, so the setup file's
 * credential guard keeps seeing every line. Call it inside a test: the
 * capture ends with the test, even when an assertion fails, or earlier
 * with `restore()`; what it captured stays readable.
 */
import { onTestFinished, vi } from 'vitest';

export type LogLine = Record<string, unknown> & {
  level?: string;
  message?: string;
};

export interface LogCapture {
  /** Every JSON line written since the capture started. */
  lines(): LogLine[];
  /** Everything written since the capture started, as one string. */
  text(): string;
  restore(): void;
}

/**
 * @example
 * const logs = captureLogs();
 * doSomething();
 * expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 'ERROR' }));
 */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;

    return vi.spyOn(stream, 'write').mockImplementation(((
      chunk: unknown,
      ...rest: unknown[]
    ) => {
      chunks.push(String(chunk));

      return write(chunk, ...rest);
    }) as typeof stream.write);
  });
  const restore = (): void => {
    for (const spy of spies) {
      spy.mockRestore();
    }
  };
  onTestFinished(restore);
  const text = (): string => chunks.join('');

  return {
    text,
    lines: () => text().split('\n').flatMap(parseLogLine),
    restore,
  };
}

function parseLogLine(line: string): LogLine[] {
  if (!line.startsWith('{')) {
    return [];
  }
  try {
    return [JSON.parse(line) as LogLine];
  } catch {
    return [];
  }
}
