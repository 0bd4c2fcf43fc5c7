import { describe, expect, it } from 'vitest';
import { findPool, loadConfig, type Pool } from '../../../lib/config.ts';
import { ConfigVariableError } from '../../../lib/errors.ts';

const SAP_ID = '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1';
const CRM_ID = '0e6b7a55-2c1f-4d3e-8a9b-1c2d3e4f5a6b';

const SAP: Pool = { alias: 'sap-ecc', id: SAP_ID };
const CRM: Pool = { alias: 'crm', id: CRM_ID };

function baseEnv(): Record<string, string | undefined> {
  return {
    CELONIS_URL: 'https://acme.eu-1.celonis.cloud',
    CELONIS_SECRET_ID: 'celonis-job-control/celonis',
    CALLERS_SECRET_ID: 'celonis-job-control/callers',
    POOLS: `sap-ecc=${SAP_ID},crm=${CRM_ID}`,
  };
}

/** The error `loadConfig` throws for `changes` on top of a valid env. */
function loadError(
  changes: Record<string, string | undefined>,
  needs = { callers: true },
): ConfigVariableError {
  try {
    loadConfig({ ...baseEnv(), ...changes }, needs);
  } catch (error) {
    if (error instanceof ConfigVariableError) {
      return error;
    }
    throw error;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig', () => {
  it('reads a complete environment', () => {
    // Prepare
    const env = {
      ...baseEnv(),
      AUTO_CANCEL_POOLS: 'crm',
      AUTO_CANCEL_DRY_RUN: 'true',
      NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:job-control',
      CELONIS_MAX_RPS: '5',
    };

    // Act
    const config = loadConfig(env, { callers: true });

    // Assess
    expect(config).toEqual({
      celonisUrl: 'https://acme.eu-1.celonis.cloud',
      celonisSecretId: 'celonis-job-control/celonis',
      callersSecretId: 'celonis-job-control/callers',
      pools: [SAP, CRM],
      autoCancelPools: [CRM],
      autoCancelDryRun: true,
      notifyTopicArn: 'arn:aws:sns:eu-central-1:123456789012:job-control',
      celonisMaxRps: 5,
    });
  });

  it('applies the defaults of every optional variable', () => {
    // Prepare
    const env = { ...baseEnv(), CALLERS_SECRET_ID: undefined };

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).toEqual({
      celonisUrl: 'https://acme.eu-1.celonis.cloud',
      celonisSecretId: 'celonis-job-control/celonis',
      callersSecretId: undefined,
      pools: [SAP, CRM],
      autoCancelPools: [],
      autoCancelDryRun: false,
      notifyTopicArn: undefined,
      celonisMaxRps: 20,
    });
  });

  it.each(['CELONIS_URL', 'CELONIS_SECRET_ID', 'CALLERS_SECRET_ID', 'POOLS'])(
    'throws when %s is missing',
    (variable) => {
      // Act
      const error = loadError({ [variable]: undefined });

      // Assess
      expect(error.variable).toBe(variable);
      expect(error.message).toMatch(new RegExp(`^${variable}: is required`));
    },
  );

  it.each(['CELONIS_URL', 'CELONIS_SECRET_ID', 'POOLS'])(
    'throws when %s is only blanks',
    (variable) => {
      // Act
      const error = loadError({ [variable]: '   ' });

      // Assess
      expect(error.variable).toBe(variable);
    },
  );

  it('does not need CALLERS_SECRET_ID when the function has no callers', () => {
    // Prepare
    const env = { ...baseEnv(), CALLERS_SECRET_ID: undefined };

    // Act
    const config = loadConfig(env, { callers: false });

    // Assess
    expect(config.callersSecretId).toBeUndefined();
  });

  it.each([
    ['no scheme', 'acme.eu-1.celonis.cloud'],
    ['plain http to a remote host', 'http://acme.eu-1.celonis.cloud'],
    ['another scheme', 'ftp://acme.eu-1.celonis.cloud'],
    [
      'http to a host that only starts like localhost',
      'http://localhost.evil.test',
    ],
    ['http to a non-loopback address', 'http://10.0.0.1:3000'],
  ])('throws when CELONIS_URL has %s', (_case, url) => {
    // Act
    const error = loadError({ CELONIS_URL: url });

    // Assess
    expect(error.variable).toBe('CELONIS_URL');
  });

  it.each([
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://127.0.0.1:4010/', 'http://127.0.0.1:4010'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['http://127.0.0.2:4010', 'http://127.0.0.2:4010'],
  ])('allows plain http to the loopback host of %s', (url, origin) => {
    // Act
    const config = loadConfig({ ...baseEnv(), CELONIS_URL: url });

    // Assess
    expect(config.celonisUrl).toBe(origin);
  });

  it.each([
    ['a trailing slash', 'https://acme.eu-1.celonis.cloud/'],
    ['a path and query', 'https://acme.eu-1.celonis.cloud/integration/ui?x=1'],
    ['upper case and the default port', 'HTTPS://ACME.eu-1.Celonis.cloud:443'],
    ['surrounding blanks', '  https://acme.eu-1.celonis.cloud  '],
  ])('keeps only the origin of a team URL with %s', (_case, url) => {
    // Act
    const config = loadConfig({ ...baseEnv(), CELONIS_URL: url });

    // Assess
    expect(config.celonisUrl).toBe('https://acme.eu-1.celonis.cloud');
  });

  it('reads pools with blanks, upper-case ids and a trailing comma', () => {
    // Prepare
    const pools = ` sap-ecc = ${SAP_ID.toUpperCase()} , crm=${CRM_ID}, `;

    // Act
    const config = loadConfig({ ...baseEnv(), POOLS: pools });

    // Assess
    expect(config.pools).toEqual([SAP, CRM]);
  });

  it('accepts aliases of 1 and 64 characters of a-z, 0-9, - and _', () => {
    // Prepare
    const long = `a${'_-9'.repeat(21)}`;

    // Act
    const config = loadConfig({
      ...baseEnv(),
      POOLS: `x=${SAP_ID},${long}=${CRM_ID}`,
    });

    // Assess
    expect(config.pools).toEqual([
      { alias: 'x', id: SAP_ID },
      { alias: long, id: CRM_ID },
    ]);
  });

  it.each([
    ['a pair without =', 'sap-ecc'],
    ['an upper-case alias', `SAP=${SAP_ID}`],
    ['an alias with a dot', `sap.ecc=${SAP_ID}`],
    ['an alias of 65 characters', `${'a'.repeat(65)}=${SAP_ID}`],
    ['an empty alias', `=${SAP_ID}`],
    ['an id that is not a UUID', 'sap-ecc=3d8a2621'],
    ['a pair with two =', `sap-ecc=${SAP_ID}=x`],
    ['the pairs the wrong way round', `${SAP_ID}=sap-ecc`],
  ])('throws when POOLS has %s', (_case, pools) => {
    // Act
    const error = loadError({ POOLS: pools });

    // Assess
    expect(error.variable).toBe('POOLS');
  });

  it('throws when POOLS names an alias twice', () => {
    // Act
    const error = loadError({ POOLS: `crm=${SAP_ID},crm=${CRM_ID}` });

    // Assess
    expect(error.message).toBe('POOLS: alias crm appears twice');
  });

  it('throws when POOLS names a pool id twice, whatever its case', () => {
    // Act
    const error = loadError({
      POOLS: `sap-ecc=${SAP_ID},sap-copy=${SAP_ID.toUpperCase()}`,
    });

    // Assess
    expect(error.message).toBe(`POOLS: pool id ${SAP_ID} appears twice`);
  });

  it('throws when POOLS holds separators only', () => {
    // Act
    const error = loadError({ POOLS: ' , ,' });

    // Assess
    expect(error.variable).toBe('POOLS');
  });

  it('resolves AUTO_CANCEL_POOLS given as aliases and ids', () => {
    // Prepare
    const env = {
      ...baseEnv(),
      AUTO_CANCEL_POOLS: ` ${CRM_ID.toUpperCase()} , sap-ecc `,
    };

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config.autoCancelPools).toEqual([CRM, SAP]);
  });

  it.each([
    ['an alias', 'finance'],
    ['a pool id', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'],
  ])('throws when AUTO_CANCEL_POOLS names %s not in POOLS', (_case, entry) => {
    // Act
    const error = loadError({ AUTO_CANCEL_POOLS: `sap-ecc,${entry}` });

    // Assess
    expect(error.variable).toBe('AUTO_CANCEL_POOLS');
    expect(error.message).toContain(entry);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['TRUE', true],
    [' False ', false],
    ['', false],
  ])('reads AUTO_CANCEL_DRY_RUN=%j', (raw, expected) => {
    // Act
    const config = loadConfig({ ...baseEnv(), AUTO_CANCEL_DRY_RUN: raw });

    // Assess
    expect(config.autoCancelDryRun).toBe(expected);
  });

  it.each(['yes', '1', 'on'])(
    'throws when AUTO_CANCEL_DRY_RUN is %j',
    (raw) => {
      // Act
      const error = loadError({ AUTO_CANCEL_DRY_RUN: raw });

      // Assess
      expect(error.variable).toBe('AUTO_CANCEL_DRY_RUN');
    },
  );

  it.each([
    'not-an-arn',
    'arn:aws:sqs:eu-central-1:123456789012:queue',
    'arn:aws:sns:eu-central-1:12345:topic',
  ])('throws when NOTIFY_TOPIC_ARN is %j', (raw) => {
    // Act
    const error = loadError({ NOTIFY_TOPIC_ARN: raw });

    // Assess
    expect(error.variable).toBe('NOTIFY_TOPIC_ARN');
  });

  it('reads an SNS topic ARN', () => {
    // Act
    const config = loadConfig({
      ...baseEnv(),
      NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:job-control',
    });

    // Assess
    expect(config.notifyTopicArn).toBe(
      'arn:aws:sns:eu-central-1:123456789012:job-control',
    );
  });

  it('reads a blank NOTIFY_TOPIC_ARN as not set', () => {
    // Act
    const config = loadConfig({ ...baseEnv(), NOTIFY_TOPIC_ARN: ' ' });

    // Assess
    expect(config.notifyTopicArn).toBeUndefined();
  });

  it.each(['0', '-5', 'ten', 'Infinity'])(
    'throws when CELONIS_MAX_RPS is %j',
    (raw) => {
      // Act
      const error = loadError({ CELONIS_MAX_RPS: raw });

      // Assess
      expect(error.variable).toBe('CELONIS_MAX_RPS');
    },
  );
});

describe('findPool', () => {
  const pools = [SAP, CRM];

  it.each([
    ['its alias', 'crm', CRM],
    ['its id', SAP_ID, SAP],
    ['its id in upper case', SAP_ID.toUpperCase(), SAP],
  ])('finds a pool by %s', (_case, key, expected) => {
    // Act
    const pool = findPool(pools, key);

    // Assess
    expect(pool).toEqual(expected);
  });

  it.each([
    ['an unknown alias', 'finance'],
    ['an alias in upper case', 'CRM'],
    ['an unknown id', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'],
    ['an empty string', ''],
  ])('finds nothing for %s', (_case, key) => {
    // Act
    const pool = findPool(pools, key);

    // Assess
    expect(pool).toBeUndefined();
  });
});
