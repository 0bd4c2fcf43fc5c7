/**
 * Just enough of AWS on the emulator's port for the functions to run their
 * real SDK code locally: Secrets Manager GetSecretValue (AWS JSON 1.1) and
 * SNS Publish (AWS query protocol, answered in XML). Signatures are not
 * checked.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Exchange, parseJson, replyText } from './http.ts';
import type { PublishedMessage } from './types.ts';

const ACCOUNT_ID = '000000000000';
const DEFAULT_REGION = 'us-east-1';
/** Real secret ARNs end in a random suffix of six characters. */
const ARN_SUFFIX = 'AbCdEf';
const SNS_NAMESPACE = 'https://sns.amazonaws.com/doc/2010-03-31/';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export type AwsService = 'secrets' | 'sns';

interface StoredSecret {
  value: string;
  versionId: string;
  createdDate: number;
}

export interface AwsStore {
  putSecret(name: string, value: string): void;
  /** Drops every secret and message, then stores `secrets`. */
  load(secrets: Record<string, string>): void;
  publishedMessages(): PublishedMessage[];
  answer(exchange: Exchange, service: AwsService, body: string): void;
}

/** Tells which AWS service a request is for, if any. */
export function classifyAwsRequest(
  req: IncomingMessage,
  path: string,
): AwsService | undefined {
  if (req.method !== 'POST' || path !== '/') {
    return undefined;
  }
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('secretsmanager.')) {
    return 'secrets';
  }
  const contentType = req.headers['content-type'] ?? '';

  return contentType.startsWith('application/x-www-form-urlencoded')
    ? 'sns'
    : undefined;
}

/** The region of the SigV4 credential scope, e.g. `.../eu-central-1/...`. */
function readRegion(req: IncomingMessage): string {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(
    req.headers.authorization ?? '',
  );

  return match?.[1] ?? DEFAULT_REGION;
}

function secretArn(region: string, name: string): string {
  return `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${name}-${ARN_SUFFIX}`;
}

/** A secret id is its name or its ARN. */
function readSecretName(secretId: string): string {
  const match =
    /^arn:aws:secretsmanager:[^:]*:\d+:secret:(.+)-[A-Za-z0-9]{6}$/.exec(
      secretId,
    );

  return match?.[1] ?? secretId;
}

function replyAwsJsonError(
  exchange: Exchange,
  status: number,
  type: string,
  message: string,
): void {
  replyText(
    exchange,
    status,
    JSON_CONTENT_TYPE,
    JSON.stringify({ __type: type, message }),
    { 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() },
  );
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function replySnsError(
  exchange: Exchange,
  code: string,
  message: string,
): void {
  const xml = [
    `<ErrorResponse xmlns="${SNS_NAMESPACE}">`,
    '  <Error>',
    '    <Type>Sender</Type>',
    `    <Code>${escapeXml(code)}</Code>`,
    `    <Message>${escapeXml(message)}</Message>`,
    '  </Error>',
    `  <RequestId>${randomUUID()}</RequestId>`,
    '</ErrorResponse>',
    '',
  ].join('\n');

  replyText(exchange, 400, 'text/xml', xml);
}

function replyPublished(exchange: Exchange, messageId: string): void {
  const xml = [
    `<PublishResponse xmlns="${SNS_NAMESPACE}">`,
    '  <PublishResult>',
    `    <MessageId>${messageId}</MessageId>`,
    '  </PublishResult>',
    '  <ResponseMetadata>',
    `    <RequestId>${randomUUID()}</RequestId>`,
    '  </ResponseMetadata>',
    '</PublishResponse>',
    '',
  ].join('\n');

  replyText(exchange, 200, 'text/xml', xml);
}

export function createAwsStore(): AwsStore {
  const secrets = new Map<string, StoredSecret>();
  const published: PublishedMessage[] = [];

  function putSecret(name: string, value: string): void {
    secrets.set(name, {
      value,
      versionId: randomUUID(),
      createdDate: Date.now(),
    });
  }

  function answerGetSecretValue(exchange: Exchange, body: string): void {
    const input = parseJson(body) as { SecretId?: unknown } | undefined;
    const secretId = input?.SecretId;
    if (typeof secretId !== 'string' || secretId === '') {
      replyAwsJsonError(
        exchange,
        400,
        'InvalidParameterException',
        'SecretId is required.',
      );
      return;
    }
    const name = readSecretName(secretId);
    const secret = secrets.get(name);
    if (!secret) {
      replyAwsJsonError(
        exchange,
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
      return;
    }

    replyText(
      exchange,
      200,
      JSON_CONTENT_TYPE,
      JSON.stringify({
        ARN: secretArn(readRegion(exchange.req), name),
        Name: name,
        SecretString: secret.value,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
        // AWS JSON protocols send timestamps as epoch seconds.
        CreatedDate: secret.createdDate / 1000,
      }),
    );
  }

  function answerSecrets(exchange: Exchange, body: string): void {
    const target = exchange.req.headers['x-amz-target'];
    if (target === 'secretsmanager.GetSecretValue') {
      answerGetSecretValue(exchange, body);
      return;
    }

    replyAwsJsonError(
      exchange,
      400,
      'UnknownOperationException',
      'The emulator only serves GetSecretValue.',
    );
  }

  function answerSns(exchange: Exchange, body: string): void {
    const form = new URLSearchParams(body);
    if (form.get('Action') !== 'Publish') {
      replySnsError(
        exchange,
        'InvalidAction',
        'The emulator only serves Publish.',
      );
      return;
    }
    const topicArn = form.get('TopicArn');
    const message = form.get('Message');
    if (!topicArn || message === null) {
      replySnsError(
        exchange,
        'InvalidParameter',
        'TopicArn and Message are required.',
      );
      return;
    }
    const subject = form.get('Subject');
    published.push({
      topicArn,
      ...(subject === null ? {} : { subject }),
      message,
    });

    replyPublished(exchange, randomUUID());
  }

  return {
    putSecret,
    load: (initial) => {
      secrets.clear();
      published.length = 0;
      for (const [name, value] of Object.entries(initial)) {
        putSecret(name, value);
      }
    },
    publishedMessages: () => published.map((message) => ({ ...message })),
    answer: (exchange, service, body) =>
      service === 'secrets'
        ? answerSecrets(exchange, body)
        : answerSns(exchange, body),
  };
}
