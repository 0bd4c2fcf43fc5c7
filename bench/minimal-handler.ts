/**
 * The floor for cold starts and memory: the least a function can do to
 * answer from Celonis. It reads the Celonis secret with the raw SDK and
 * makes one `fetch`, with no validation, no logging, no middleware and no
 * retries. Bundled like the real functions, so the comparison is between
 * what they do, not how they are built.
 * @module
 */
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});
const celonisUrl = process.env.CELONIS_URL ?? '';
const secretId = process.env.CELONIS_SECRET_ID ?? '';
const poolId = (process.env.POOLS ?? '').split('=')[1] ?? '';

export async function handler(): Promise<{ statusCode: number; body: string }> {
  const secret = await client.send(
    new GetSecretValueCommand({ SecretId: secretId }),
  );
  const { appKey } = JSON.parse(secret.SecretString ?? '{}');
  const response = await fetch(
    `${celonisUrl}/integration/api/pools/${poolId}/jobs`,
    { headers: { authorization: `AppKey ${appKey}` } },
  );

  return { statusCode: response.status, body: await response.text() };
}
