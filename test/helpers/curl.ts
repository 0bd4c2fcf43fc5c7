/**
 * The real `curl` binary, as people call the service from a terminal: the
 * tests pass curl's own arguments and read status, headers and body.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CurlAnswer {
  status: number;
  /** Header names in lowercase. */
  headers: Record<string, string>;
  body: string;
}

/** Fails with a clear message when curl is not installed. */
export async function requireCurl(): Promise<void> {
  try {
    await run('curl', ['--version']);
  } catch {
    throw new Error(
      'curl is not installed: these tests call the service with the real ' +
        'curl binary. Install it (apt-get install curl) and run again.',
    );
  }
}

/**
 * Runs `curl <args>` and parses its answer. `-q` first: no ~/.curlrc can
 * change the request.
 * @example
 * const { status } = await curl(['-H', 'Accept: text/plain', url]);
 */
export async function curl(args: string[]): Promise<CurlAnswer> {
  const { stdout } = await run(
    'curl',
    ['-q', '-sS', '--include', '--max-time', '40', ...args],
    { encoding: 'utf8', maxBuffer: 10 * 1024 * 1024 },
  );

  return parseIncluded(stdout);
}

/** curl's `--include` output: status line and headers, a blank line, body. */
export function parseIncluded(text: string): CurlAnswer {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) {
    throw new Error(`curl printed no HTTP status line: ${text.slice(0, 200)}`);
  }
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line
        .slice(colon + 1)
        .trim();
    }
  }

  return { status, headers, body: end === -1 ? '' : text.slice(end + 4) };
}
