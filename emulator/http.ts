/**
 * Small helpers to read requests and write answers with node:http.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest } from './types.ts';

export type Headers = Record<string, string>;

/** Larger bodies are refused: no client of the emulator sends them. */
const MAX_BODY_BYTES = 1_000_000;

/** Reads the whole request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new EmulatorError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON, or answers undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string | undefined,
  text: string,
  headers: Headers = {},
): void {
  const body = Buffer.from(text, 'utf8');
  const typeHeader: Headers = contentType
    ? { 'content-type': contentType }
    : {};
  res.writeHead(status, {
    ...headers,
    ...typeHeader,
    'content-length': String(body.length),
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Headers = {},
): void {
  sendText(res, status, 'application/json', JSON.stringify(body), headers);
}

/** The error body Celonis answers on its integration API. */
export function celonisError(
  message: string,
  shortMessage: string,
): { reference: string; message: string; shortMessage: string } {
  return { reference: randomUUID(), message, shortMessage };
}

/** A page like the one the Celonis web app serves for paths it does not know. */
export function webAppPage(): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><title>Celonis</title></head>',
    '<body>',
    '<noscript>You need to enable JavaScript to run this app.</noscript>',
    '<div id="root"></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A page like the one a load balancer serves when the app behind it fails. */
export function gatewayPage(status: number, reason: string): string {
  const title = `${status} ${reason}`;

  return [
    '<html>',
    `<head><title>${title}</title></head>`,
    `<body><center><h1>${title}</h1></center></body>`,
    '</html>',
    '',
  ].join('\n');
}

/** One request in flight, with what is recorded about it. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  /** Headers every answer to this request carries, e.g. rate limit ones. */
  headers: Headers;
}

export function replyText(
  exchange: Exchange,
  status: number,
  contentType: string | undefined,
  text: string,
  headers: Headers = {},
): void {
  exchange.record.status = status;
  sendText(exchange.res, status, contentType, text, {
    ...exchange.headers,
    ...headers,
  });
}

export function replyJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: Headers = {},
): void {
  replyText(
    exchange,
    status,
    'application/json',
    JSON.stringify(body),
    headers,
  );
}

export function replyHtml(
  exchange: Exchange,
  status: number,
  page: string,
): void {
  replyText(exchange, status, 'text/html; charset=utf-8', page);
}

/** An error whose message may be shown to the emulator's user. */
export class EmulatorError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'EmulatorError';
    this.statusCode = statusCode;
  }
}
