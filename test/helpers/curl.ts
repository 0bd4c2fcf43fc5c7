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

let curlFound: Promise<boolean> | undefined;

function hasCurl(): Promise<boolean> {
  curlFound ??= run('curl', ['--version']).then(
    () => true,
    () => false,
  );

  return curlFound;
}

/**
 * Checks for curl. Without it the suite still runs, sending the same
 * requests through Node's fetch, so `npm test` needs nothing beyond Node;
 * with `REQUIRE_CURL=1` (as in CI) a missing curl fails the suite.
 */
export async function requireCurl(): Promise<void> {
  if (await hasCurl()) {
    return;
  }
  if (process.env.REQUIRE_CURL === '1') {
    throw new Error(
      'curl is not installed: these tests call the service with the real ' +
        'curl binary. Install it (apt-get install curl) and run again.',
    );
  }
  console.warn(
    'curl not found: sending the same requests with fetch instead ' +
      '(set REQUIRE_CURL=1 to insist on curl)',
  );
}

/**
 * Runs `curl <args>` and parses its answer. `-q` first: no ~/.curlrc can
 * change the request.
 * @example
 * const { status } = await curl(['-H', 'Accept: text/plain', url]);
 */
export async function curl(args: string[]): Promise<CurlAnswer> {
  if (!(await hasCurl())) {
    return fetchAsCurl(args);
  }
  const { stdout } = await run(
    'curl',
    ['-q', '-sS', '--include', '--max-time', '40', ...args],
    { encoding: 'utf8', maxBuffer: 10 * 1024 * 1024 },
  );

  return parseIncluded(stdout);
}

/**
 * Runs a command line as printed for people (`curl -s -H "..." url`): with
 * curl when there is one, else with fetch.
 */
export async function curlCommandLine(line: string): Promise<CurlAnswer> {
  const [program, ...args] = shellWords(line);
  if (program !== 'curl') {
    throw new Error(`not a curl command: ${line}`);
  }

  return curl(args);
}

// The few curl options the printed commands and the tests use.
async function fetchAsCurl(args: string[]): Promise<CurlAnswer> {
  const headers = new Headers();
  let method: string | undefined;
  let body: string | undefined;
  let url = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-X') {
      method = args[++i];
    } else if (arg === '-H') {
      const [name = '', ...value] = (args[++i] ?? '').split(':');
      headers.set(name.trim(), value.join(':').trim());
    } else if (arg === '-d' || arg === '--data' || arg === '--data-raw') {
      body = args[++i];
    } else if (!arg.startsWith('-')) {
      url = arg;
    }
  }
  if (body !== undefined && !headers.has('content-type')) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
  }
  const response = await fetch(url, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });

  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
}

// Splits a command line as a POSIX shell would for plain words and single
// or double quotes (no escapes or expansions: printed commands use none).
function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|(\S+)/g;
  let word = '';
  let last = 0;
  for (const match of line.matchAll(pattern)) {
    const gap = line.slice(last, match.index);
    if (gap.trim() === '' && gap.length > 0 && word !== '') {
      words.push(word);
      word = '';
    }
    word += match[1] ?? match[2] ?? match[3] ?? '';
    last = (match.index ?? 0) + match[0].length;
  }
  if (word !== '') {
    words.push(word);
  }

  return words;
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
