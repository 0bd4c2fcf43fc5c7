/**
 * A local emulator of the Celonis Data Integration API, with a Secrets
 * Manager and SNS endpoint on the same port. Dependency-free (node:http),
 * for `npm start`, the integration tests (in-process) and benchmarks (out of
 * process, steered through the control endpoints under `/_emulator/`).
 *
 * Order of checks for a Celonis request: latency, injected fault, rate
 * limit, authentication, then the route itself.
 *
 * @example
 * const emulator = await startCelonisEmulator({
 *   pools: demoPools(),
 *   appKeys: ['demo-app-key'],
 * });
 * await fetch(`${emulator.url}/integration/api/pools`, {
 *   headers: { authorization: 'AppKey demo-app-key' },
 * });
 * await emulator.close();
 * @module
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { classifyAuthorization, createCredentialStore } from './auth.ts';
import { type AwsService, classifyAwsRequest, createAwsStore } from './aws.ts';
import {
  answerControl,
  CONTROL_PREFIX,
  type ControlTarget,
} from './control.ts';
import { answerFault, createFaultQueue } from './faults.ts';
import {
  celonisError,
  EmulatorError,
  type Exchange,
  readBody,
  replyHtml,
  replyJson,
  webAppPage,
} from './http.ts';
import { createRateLimiter } from './rate-limit.ts';
import {
  answerCelonisRoute,
  type CelonisRoute,
  matchCelonisRoute,
  type RouteContext,
} from './routes.ts';
import { createJobStore } from './state.ts';
import { createTimerGroup } from './timers.ts';
import type {
  CelonisEmulator,
  EmulatorOptions,
  EmulatorSettings,
  RecordedRequest,
} from './types.ts';

export type {
  CelonisEmulator,
  Credentials,
  EmulatedJob,
  EmulatedJobView,
  EmulatorOptions,
  EmulatorSettings,
  Fault,
  FaultKind,
  JobSeed,
  JobStatus,
  OAuthClient,
  PoolSeed,
  PublishedMessage,
  RecordedRequest,
  RouteName,
} from './types.ts';

const DEFAULT_CANCEL_DELAY_MS = 3000;
/** Old records are dropped beyond this, so long benchmarks stay bounded. */
const MAX_RECORDED_REQUESTS = 100_000;

interface Settings {
  latencyMs: number;
  cancelDelayMs: number;
  cancelResponseDelayMs: number;
}

function initialSettings(options: EmulatorOptions): Settings {
  return {
    latencyMs: options.latencyMs ?? 0,
    cancelDelayMs: options.cancelDelayMs ?? DEFAULT_CANCEL_DELAY_MS,
    cancelResponseDelayMs: options.cancelResponseDelayMs ?? 0,
  };
}

function formatUrl(address: AddressInfo): string {
  const host =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return `http://${host}:${address.port}`;
}

/** The path without the query; segments are decoded by each router. */
function readPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] || '/';
}

/** Starts the emulator; it listens until `close()`. */
export async function startCelonisEmulator(
  startOptions: EmulatorOptions = {},
): Promise<CelonisEmulator> {
  // A copy, so `reset()` restores the start even if the caller changes the
  // objects it passed.
  const options = structuredClone(startOptions);
  const seeds = options.pools ?? [];
  const store = createJobStore();
  const credentials = createCredentialStore({});
  const aws = createAwsStore();
  const faults = createFaultQueue();
  const limiter = createRateLimiter(null);
  const requestTimers = createTimerGroup();
  const sockets = new Set<Socket>();
  let log: RecordedRequest[] = [];
  let settings = initialSettings(options);

  const routeContext: RouteContext = {
    store,
    credentials,
    timers: requestTimers,
    cancelDelayMs: () => settings.cancelDelayMs,
    cancelResponseDelayMs: () => settings.cancelResponseDelayMs,
  };

  function reset(): void {
    store.load(structuredClone(seeds));
    credentials.replace({
      appKeys: options.appKeys ?? [],
      apiKeys: options.apiKeys ?? [],
      oauthClients: options.oauthClients ?? [],
    });
    aws.load(options.secrets ?? {});
    faults.clear();
    limiter.setLimit(options.rateLimitPerSecond ?? null);
    settings = initialSettings(options);
    log = [];
  }

  function record(req: IncomingMessage, path: string): RecordedRequest {
    const entry: RecordedRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path,
      route: 'unknown',
      status: 0,
      auth: classifyAuthorization(req.headers.authorization),
    };
    log.push(entry);
    // Trimmed in batches: dropping one entry per request would copy the
    // whole log every time.
    if (log.length > MAX_RECORDED_REQUESTS * 1.1) {
      log = log.slice(-MAX_RECORDED_REQUESTS);
    }

    return entry;
  }

  async function answerCelonis(
    exchange: Exchange,
    route: CelonisRoute,
  ): Promise<void> {
    const body = await readBody(exchange.req);
    await requestTimers.delay(settings.latencyMs);

    const fault = faults.take(route.name);
    if (fault) {
      answerFault(exchange, fault, route.name, limiter.limit());
      return;
    }
    const decision = limiter.admit();
    exchange.headers = decision.headers;
    if (!decision.admitted) {
      replyJson(
        exchange,
        429,
        celonisError('Rate limit exceeded', 'TOO_MANY_REQUESTS'),
      );
      return;
    }
    const authorized =
      route.name === 'token' ||
      credentials.authorize(exchange.req.headers.authorization);
    if (!authorized) {
      replyJson(
        exchange,
        401,
        celonisError('Authentication required', 'UNAUTHORIZED'),
      );
      return;
    }

    await answerCelonisRoute(exchange, route, body, routeContext);
  }

  async function answerAws(
    exchange: Exchange,
    service: AwsService,
  ): Promise<void> {
    const body = await readBody(exchange.req);

    aws.answer(exchange, service, body);
  }

  async function dispatch(exchange: Exchange, path: string): Promise<void> {
    const { req, record: entry } = exchange;
    const route = matchCelonisRoute(req.method ?? 'GET', path);
    if (route) {
      entry.route = route.name;
      await answerCelonis(exchange, route);
      return;
    }
    const service = classifyAwsRequest(req, path);
    if (service) {
      entry.route = service;
      await answerAws(exchange, service);
      return;
    }

    replyHtml(exchange, 404, webAppPage());
  }

  function answerUnexpected(exchange: Exchange, error: unknown): void {
    if (exchange.res.headersSent) {
      exchange.res.destroy();
      return;
    }
    const status = error instanceof EmulatorError ? error.statusCode : 500;
    const message = error instanceof Error ? error.message : 'unknown error';

    replyJson(exchange, status, celonisError(message, 'EMULATOR_ERROR'));
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = readPath(req);
    if (path.startsWith(CONTROL_PREFIX)) {
      void answerControl(emulator, req, res, path);
      return;
    }
    const exchange: Exchange = {
      req,
      res,
      record: record(req, path),
      headers: {},
    };

    dispatch(exchange, path).catch((error: unknown) =>
      answerUnexpected(exchange, error),
    );
  }

  function applySettings(changes: EmulatorSettings): void {
    if (changes.rateLimitPerSecond !== undefined) {
      limiter.setLimit(changes.rateLimitPerSecond);
    }
    settings = {
      latencyMs: changes.latencyMs ?? settings.latencyMs,
      cancelDelayMs: changes.cancelDelayMs ?? settings.cancelDelayMs,
      cancelResponseDelayMs:
        changes.cancelResponseDelayMs ?? settings.cancelResponseDelayMs,
    };
  }

  const server = createServer(handleRequest);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let closing: Promise<void> | undefined;

  // Stops listening first, then ends every connection, hanging ones too,
  // so the promise settles at once. Closing twice is harmless.
  function close(): Promise<void> {
    closing ??= new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      requestTimers.clearAll();
      store.stop();
      for (const socket of sockets) {
        socket.destroy();
      }
    });

    return closing;
  }

  reset();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  const emulator: ControlTarget = {
    url: formatUrl(server.address() as AddressInfo),
    close,
    reset,
    addPool: (pool) => store.addPool(structuredClone(pool)),
    addJob: (poolId, job) => store.addJob(poolId, { ...job }),
    setJobStatus: (poolId, jobId, status) =>
      store.setJobStatus(poolId, jobId, status),
    getJob: (poolId, jobId) => store.getJob(poolId, jobId),
    listJobViews: (poolId) => store.listJobViews(poolId),
    setFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    setLatency: (ms) => applySettings({ latencyMs: ms }),
    setRateLimit: (perSecond) =>
      applySettings({ rateLimitPerSecond: perSecond }),
    setCancelDelay: (ms) => applySettings({ cancelDelayMs: ms }),
    setCancelResponseDelay: (ms) =>
      applySettings({ cancelResponseDelayMs: ms }),
    applySettings,
    setCredentials: (changes) => credentials.replace(changes),
    putSecret: (name, value) => aws.putSecret(name, value),
    requests: () => log.map((entry) => ({ ...entry })),
    clearRequests: () => {
      log = [];
    },
    publishedMessages: () => aws.publishedMessages(),
  };

  return emulator;
}
