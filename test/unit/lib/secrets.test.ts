import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { SECRET_MAX_AGE_MS, SecretCache } from '../../../lib/secrets.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import {
  APP_KEY,
  LEAK_MARKER,
  ROTATED_APP_KEY,
} from '../../helpers/secrets.ts';

const SECRET_ID = 'celonis-job-control/celonis';
const OTHER_ID = 'celonis-job-control/callers';

const secretsManager = mockClient(SecretsManagerClient);

describe('SecretCache', () => {
  let clock: FakeClock;
  let cache: SecretCache;

  beforeEach(() => {
    secretsManager.reset();
    clock = new FakeClock();
    cache = new SecretCache({
      client: new SecretsManagerClient({}),
      now: clock.now,
    });
  });

  it('reads a secret once per five minutes', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: APP_KEY })
      .resolvesOnce({ SecretString: ROTATED_APP_KEY });

    // Act
    const first = await cache.get(SECRET_ID);
    clock.advance(SECRET_MAX_AGE_MS - 1);
    const cached = await cache.get(SECRET_ID);
    clock.advance(1);
    const reread = await cache.get(SECRET_ID);

    // Assess
    expect([first, cached, reread]).toEqual([
      APP_KEY,
      APP_KEY,
      ROTATED_APP_KEY,
    ]);
    expect(SECRET_MAX_AGE_MS).toBe(5 * 60 * 1000);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toReceiveCommandWith(GetSecretValueCommand, {
      SecretId: SECRET_ID,
    });
  });

  it('reads each secret on its own', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ID })
      .resolves({ SecretString: APP_KEY });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: OTHER_ID })
      .resolves({ SecretString: '{"callers":[]}' });

    // Act
    const values = [
      await cache.get(SECRET_ID),
      await cache.get(OTHER_ID),
      await cache.get(SECRET_ID),
      await cache.get(OTHER_ID),
    ];

    // Assess
    expect(values).toEqual([
      APP_KEY,
      '{"callers":[]}',
      APP_KEY,
      '{"callers":[]}',
    ]);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toReceiveNthCommandWith(GetSecretValueCommand, 2, {
      SecretId: OTHER_ID,
    });
  });

  it('shares one read between concurrent gets', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: APP_KEY });

    // Act
    const values = await Promise.all(
      Array.from({ length: 10 }, () => cache.get(SECRET_ID)),
    );

    // Assess
    expect(values).toEqual(Array(10).fill(APP_KEY));
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 1);
  });

  it('throws a ConfigurationError that tells nothing of the failed read', async () => {
    // Prepare
    const denied = Object.assign(
      new Error(`User is not authorized to read ${LEAK_MARKER}`),
      { name: 'AccessDeniedException' },
    );
    secretsManager.on(GetSecretValueCommand).rejects(denied);
    const logs = captureLogs();

    // Act
    const reading = cache.get(SECRET_ID);

    // Assess
    await expect(reading).rejects.toBeInstanceOf(ConfigurationError);
    await expect(reading).rejects.toMatchObject({
      statusCode: 500,
      message: 'The service could not read its secrets.',
      cause: denied,
    });
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'secret read failed',
        secretId: SECRET_ID,
        errorName: 'AccessDeniedException',
      }),
    );
  });

  it('reads again after a failed read', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: APP_KEY });
    await cache.get(SECRET_ID).catch(() => undefined);

    // Act
    const value = await cache.get(SECRET_ID);

    // Assess
    expect(value).toBe(APP_KEY);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
  });

  it.each([
    ['an empty string', { SecretString: '' }],
    ['blanks', { SecretString: ' \n ' }],
    ['no string (a binary secret)', { SecretBinary: new Uint8Array([1, 2]) }],
  ])(
    'throws when the secret holds %s, and reads it again next time',
    async (_case, answer) => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .resolvesOnce(answer)
        .resolves({ SecretString: APP_KEY });

      // Act
      const empty = cache.get(SECRET_ID);
      await empty.catch(() => undefined);
      const next = await cache.get(SECRET_ID);

      // Assess
      await expect(empty).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: 'A secret of the service is empty.',
      });
      expect(next).toBe(APP_KEY);
    },
  );

  it('keeps the cached value when told another read is stale', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: APP_KEY });
    await cache.get(SECRET_ID);

    // Act
    cache.invalidate(SECRET_ID, Promise.resolve(APP_KEY));
    const value = await cache.get(SECRET_ID);

    // Assess
    expect(value).toBe(APP_KEY);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 1);
  });

  it('reads again after the cached value was found stale', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: APP_KEY })
      .resolves({ SecretString: ROTATED_APP_KEY });
    const stale = cache.get(SECRET_ID);
    await stale;

    // Act
    cache.invalidate(SECRET_ID, stale);
    const value = await cache.get(SECRET_ID);

    // Assess
    expect(value).toBe(ROTATED_APP_KEY);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
  });

  it('reads once again when concurrent requests find the same value stale', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: APP_KEY })
      .resolves({ SecretString: ROTATED_APP_KEY });
    const stale = cache.get(SECRET_ID);
    await stale;
    const rejectAndRetry = async () => {
      cache.invalidate(SECRET_ID, stale);

      return cache.get(SECRET_ID);
    };

    // Act
    const values = await Promise.all(Array.from({ length: 5 }, rejectAndRetry));

    // Assess
    expect(values).toEqual(Array(5).fill(ROTATED_APP_KEY));
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
  });

  it('does not drop a fresh value when a late request finds the old one stale', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: APP_KEY })
      .resolves({ SecretString: ROTATED_APP_KEY });
    const stale = cache.get(SECRET_ID);
    await stale;
    cache.invalidate(SECRET_ID, stale);
    await cache.get(SECRET_ID);

    // Act
    cache.invalidate(SECRET_ID, stale);
    const value = await cache.get(SECRET_ID);

    // Assess
    expect(value).toBe(ROTATED_APP_KEY);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
  });

  it('ignores an invalidation of a secret it never read', () => {
    // Act
    cache.invalidate(SECRET_ID, Promise.resolve(APP_KEY));

    // Assess
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 0);
  });
});
