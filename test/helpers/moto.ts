/**
 * The moto_server behind the AWS suite (started by `scripts/with-moto.sh`):
 * a guard that nothing can reach real AWS, real SDK clients pointed at
 * moto, and what moto itself saw: the GetSecretValue calls it received
 * (through its request recorder) and the messages published to a topic
 * (through its backend data at `/moto-api/data.json`).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Thrown when the suite could reach anything but a local moto. */
export class NotLocalAwsError extends Error {
  constructor(detail: string) {
    super(
      `${detail}. The AWS suite runs only against a local moto_server: use npm run test:aws (scripts/with-moto.sh).`,
    );
    this.name = 'NotLocalAwsError';
  }
}

/**
 * The moto endpoint, after checking that every AWS endpoint the SDK could
 * use is a loopback address. Call it in `beforeAll`.
 *
 * @example
 * beforeAll(() => { endpoint = requireLocalAws(); });
 */
export function requireLocalAws(
  env: Record<string, string | undefined> = process.env,
): string {
  const endpoint = env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint.trim() === '') {
    throw new NotLocalAwsError('AWS_ENDPOINT_URL is not set');
  }
  // With this set, the SDK ignores AWS_ENDPOINT_URL and calls real AWS.
  if (
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true'
  ) {
    throw new NotLocalAwsError('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true');
  }
  // AWS_ENDPOINT_URL_SNS and the like win over AWS_ENDPOINT_URL.
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('AWS_ENDPOINT_URL') && value) {
      assertLoopback(name, value);
    }
  }

  return new URL(endpoint).origin;
}

function assertLoopback(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NotLocalAwsError(`${name} is not a URL`);
  }
  if (!loopbackHosts.has(url.hostname)) {
    throw new NotLocalAwsError(`${name} is not a loopback address`);
  }
}

/** A name no other test (or earlier run against the same moto) uses. */
export function uniqueName(prefix: string): string {
  return `celonis-job-control-test/${prefix}-${randomUUID()}`;
}

export interface Moto {
  endpoint: string;
  secrets: SecretsManagerClient;
  sns: SNSClient;
}

/**
 * SDK clients for the tests' own setup, explicitly pointed at moto, and
 * moto's request recorder switched on (harmless when it already is).
 */
export async function connectMoto(): Promise<Moto> {
  const endpoint = requireLocalAws();
  const answer = await fetch(`${endpoint}/moto-api/recorder/start-recording`);
  if (!answer.ok) {
    throw new Error(
      `${endpoint} is not a moto_server: its recorder answered ${answer.status}`,
    );
  }

  return {
    endpoint,
    secrets: new SecretsManagerClient({ endpoint }),
    sns: new SNSClient({ endpoint }),
  };
}

export interface TestSecret {
  name: string;
  arn: string;
}

export async function createSecret(
  moto: Moto,
  prefix: string,
  value: string,
): Promise<TestSecret> {
  const name = uniqueName(prefix);
  const answer = await moto.secrets.send(
    new CreateSecretCommand({ Name: name, SecretString: value }),
  );
  if (answer.ARN === undefined) {
    throw new Error('moto created a secret without an ARN');
  }

  return { name, arn: answer.ARN };
}

/** A new current version of the secret, as a rotation writes it. */
export async function putSecretValue(
  moto: Moto,
  secret: TestSecret,
  value: string,
): Promise<void> {
  await moto.secrets.send(
    new PutSecretValueCommand({ SecretId: secret.arn, SecretString: value }),
  );
}

export async function createTopic(moto: Moto, prefix: string): Promise<string> {
  // Topic names allow letters, digits, - and _ only.
  const name = `${prefix}-${randomUUID()}`;
  const answer = await moto.sns.send(new CreateTopicCommand({ Name: name }));
  if (answer.TopicArn === undefined) {
    throw new Error('moto created a topic without an ARN');
  }

  return answer.TopicArn;
}

interface RecordedRequest {
  headers?: Record<string, string>;
  body?: string;
  body_encoded?: boolean;
}

/**
 * How many GetSecretValue requests for `secret` (by name or ARN) moto has
 * received, from every client in every process: moto records each request
 * before answering it, so the count includes failed reads and SDK retries.
 */
export async function secretReads(
  moto: Moto,
  secret: TestSecret,
): Promise<number> {
  const answer = await fetch(
    `${moto.endpoint}/moto-api/recorder/download-recording`,
  );
  const ids = new Set([secret.name, secret.arn]);

  return (await answer.text())
    .split('\n')
    .map((line) => parseRecord(line))
    .filter((entry) => targetOf(entry) === 'secretsmanager.GetSecretValue')
    .filter((entry) => ids.has(secretIdOf(entry) ?? '')).length;
}

function parseRecord(line: string): RecordedRequest {
  // Another test file's request may be half written while we read.
  try {
    return JSON.parse(line) as RecordedRequest;
  } catch {
    return {};
  }
}

function targetOf(entry: RecordedRequest): string | undefined {
  const headers = entry.headers ?? {};
  const key = Object.keys(headers).find(
    (name) => name.toLowerCase() === 'x-amz-target',
  );

  return key === undefined ? undefined : headers[key];
}

function secretIdOf(entry: RecordedRequest): string | undefined {
  const text = entry.body_encoded
    ? Buffer.from(entry.body ?? '', 'base64').toString('utf8')
    : (entry.body ?? '');
  try {
    return (JSON.parse(text) as { SecretId?: string }).SecretId;
  } catch {
    return undefined;
  }
}

export interface SentNotification {
  messageId: string;
  message: string;
  subject: string | null;
}

interface MotoTopic {
  arn: string;
  sent_notifications: [string, string, string | null, unknown, unknown][];
}

/** Every message moto's SNS accepted for the topic, oldest first. */
export async function sentNotifications(
  moto: Moto,
  topicArn: string,
): Promise<SentNotification[]> {
  const answer = await fetch(`${moto.endpoint}/moto-api/data.json`);
  const data = (await answer.json()) as { sns?: { Topic?: MotoTopic[] } };
  const topic = data.sns?.Topic?.find((entry) => entry.arn === topicArn);

  return (topic?.sent_notifications ?? []).map(
    ([messageId, message, subject]) => ({ messageId, message, subject }),
  );
}
