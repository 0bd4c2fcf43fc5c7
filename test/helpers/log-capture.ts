/**
 * Captures the structured log lines the service writes, without hiding them
 * from the setup file's credential guard: the spies call through to the
 * streams they wrap. Call it inside a test: the capture ends with the test,
 * even when an assertion fails.
 */
import { type MockInstance, onTestFinished, vi } from 'vitest';

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
 * logs.restore();
 */
export function captureLogs(): LogCapture {
  const spies: MockInstance[] = [
    vi.spyOn(process.stdout, 'write'),
    vi.spyOn(process.stderr, 'write'),
  ];
  const restore = (): void => {
    for (const spy of spies) {
      spy.mockRestore();
    }
  };
  onTestFinished(restore);
  const text = (): string =>
    spies
      .flatMap((spy) => spy.mock.calls.map((call) => String(call[0])))
      .join('');

  return {
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
    restore,
  };
}
