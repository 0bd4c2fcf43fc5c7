/**
 * The control endpoints under `/_emulator/`: plain JSON, no authentication,
 * for users of the emulator that run in another process (npm start,
 * end-to-end tests, benchmarks).
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  EmulatorError,
  type Headers,
  parseJson,
  readBody,
  sendJson,
} from './http.ts';
import type {
  CelonisEmulator,
  EmulatedJobView,
  EmulatorSettings,
} from './types.ts';
import {
  parseCredentials,
  parseFault,
  parseJobSeed,
  parsePoolSeed,
  parseSecret,
  parseSettings,
  parseStatusChange,
} from './validate.ts';

export const CONTROL_PREFIX = '/_emulator/';

export interface ControlTarget extends CelonisEmulator {
  listJobViews(poolId: string): EmulatedJobView[] | undefined;
  applySettings(settings: EmulatorSettings): void;
}

interface ControlParams {
  pool: string;
  job: string;
  readJson(): Promise<unknown>;
}

interface ControlRoute {
  method: string;
  /** Segments after the prefix; `:pool` and `:job` stand for ids. */
  path: string;
  run(target: ControlTarget, params: ControlParams): unknown;
}

const OK = { ok: true } as const;

const CONTROL_ROUTES: readonly ControlRoute[] = [
  { method: 'GET', path: 'requests', run: (target) => target.requests() },
  {
    method: 'DELETE',
    path: 'requests',
    run: (target) => target.clearRequests(),
  },
  {
    method: 'POST',
    path: 'faults',
    run: async (target, { readJson }) =>
      target.setFault(parseFault(await readJson())),
  },
  { method: 'DELETE', path: 'faults', run: (target) => target.clearFaults() },
  { method: 'POST', path: 'reset', run: (target) => target.reset() },
  {
    method: 'POST',
    path: 'settings',
    run: async (target, { readJson }) =>
      target.applySettings(parseSettings(await readJson())),
  },
  {
    method: 'POST',
    path: 'pools',
    run: async (target, { readJson }) =>
      target.addPool(parsePoolSeed(await readJson())),
  },
  {
    method: 'GET',
    path: 'pools/:pool/jobs',
    run: (target, { pool }) => listJobViews(target, pool),
  },
  {
    method: 'POST',
    path: 'pools/:pool/jobs',
    run: async (target, { pool, readJson }) =>
      target.addJob(pool, parseJobSeed(await readJson())),
  },
  {
    method: 'PUT',
    path: 'pools/:pool/jobs/:job/status',
    run: async (target, { pool, job, readJson }) =>
      target.setJobStatus(pool, job, parseStatusChange(await readJson())),
  },
  {
    method: 'POST',
    path: 'secrets',
    run: async (target, { readJson }) => {
      const secret = parseSecret(await readJson());
      target.putSecret(secret.name, secret.value);
    },
  },
  {
    method: 'POST',
    path: 'credentials',
    run: async (target, { readJson }) =>
      target.setCredentials(parseCredentials(await readJson())),
  },
  {
    method: 'GET',
    path: 'published',
    run: (target) => target.publishedMessages(),
  },
];

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  const value = text === '' ? undefined : parseJson(text);
  if (value === undefined) {
    throw new EmulatorError(400, 'the body must be JSON');
  }

  return value;
}

function listJobViews(
  target: ControlTarget,
  poolId: string,
): EmulatedJobView[] {
  const jobs = target.listJobViews(poolId);
  if (!jobs) {
    throw new EmulatorError(404, `unknown pool ${poolId}`);
  }

  return jobs;
}

/** Matches `segments` against a route path; answers the ids it holds. */
function matchPath(
  path: string,
  segments: string[],
): { pool: string; job: string } | undefined {
  const expected = path.split('/');
  if (expected.length !== segments.length) {
    return undefined;
  }
  const ids = { pool: '', job: '' };
  for (const [index, part] of expected.entries()) {
    const actual = segments[index] ?? '';
    if (part === ':pool' || part === ':job') {
      ids[part === ':pool' ? 'pool' : 'job'] = actual;
    } else if (part !== actual) {
      return undefined;
    }
  }

  return ids;
}

function splitControlPath(path: string): string[] {
  try {
    return path.slice(CONTROL_PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    throw new EmulatorError(400, 'the path is not valid URL encoding');
  }
}

/** Runs the control action of a request; answers the JSON to send back. */
async function runAction(
  target: ControlTarget,
  req: IncomingMessage,
  path: string,
): Promise<unknown> {
  const method = req.method ?? 'GET';
  const segments = splitControlPath(path);
  for (const route of CONTROL_ROUTES) {
    const ids = route.method === method && matchPath(route.path, segments);
    if (ids) {
      const result = await route.run(target, {
        ...ids,
        readJson: () => readJsonBody(req),
      });
      return result ?? OK;
    }
  }

  throw new EmulatorError(404, `no control endpoint ${method} ${path}`);
}

/** Answers a request under `/_emulator/`. */
export async function answerControl(
  target: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const headers: Headers = { 'cache-control': 'no-store' };
  try {
    sendJson(res, 200, await runAction(target, req, path), headers);
  } catch (error) {
    const status = error instanceof EmulatorError ? error.statusCode : 500;
    const message = error instanceof Error ? error.message : String(error);
    sendJson(res, status, { error: message }, headers);
  }
}
