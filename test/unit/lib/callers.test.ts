import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  bearerToken,
  type Caller,
  CallerRegistry,
  hashToken,
  parseCallers,
  requirePool,
  requireScope,
} from '../../../lib/callers.ts';
import type { Pool } from '../../../lib/config.ts';
import {
  ConfigurationError,
  ForbiddenError,
  UnauthorizedError,
} from '../../../lib/errors.ts';
import { SecretCache } from '../../../lib/secrets.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import {
  callersSecret,
  OPERATOR_TOKEN,
  READER_TOKEN,
  sha256,
  TEST_CALLERS,
} from '../../helpers/secrets.ts';

const CALLERS_SECRET_ID = 'celonis-job-control/callers';
const DEMO: Pool = {
  alias: 'demo',
  id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
};
const CRM: Pool = { alias: 'crm', id: '0e6b7a55-2c1f-4d3e-8a9b-1c2d3e4f5a6b' };
const VALID_TOKENS = TEST_CALLERS.map((caller) => caller.token);

const secretsManager = mockClient(SecretsManagerClient);

function caller(changes: Partial<Caller> = {}): Caller {
  return {
    name: 'night-operator',
    scopes: ['jobs:read', 'jobs:cancel'],
    pools: ['demo'],
    ...changes,
  };
}

describe('parseCallers', () => {
  it('reads every caller with its hash, scopes and pools', () => {
    // Prepare
    const secret = JSON.stringify({
      callers: [
        {
          name: ' night-operator ',
          tokenSha256: sha256(OPERATOR_TOKEN).toUpperCase(),
          scopes: ['jobs:read', 'jobs:cancel'],
          pools: ['demo', CRM.id.toUpperCase()],
        },
        {
          name: 'dashboard',
          tokenSha256: sha256(READER_TOKEN),
          scopes: [],
          pools: ['*'],
        },
      ],
    });

    // Act
    const callers = parseCallers(secret);

    // Assess
    expect(callers).toEqual([
      {
        name: 'night-operator',
        scopes: ['jobs:read', 'jobs:cancel'],
        pools: ['demo', CRM.id],
        tokenHash: hashToken(OPERATOR_TOKEN),
      },
      {
        name: 'dashboard',
        scopes: [],
        pools: ['*'],
        tokenHash: hashToken(READER_TOKEN),
      },
    ]);
  });

  const entry = {
    name: 'night-operator',
    tokenSha256: sha256(OPERATOR_TOKEN),
    scopes: ['jobs:read'],
    pools: ['demo'],
  };

  it.each([
    ['not JSON', 'callers: night-operator', '(root)'],
    ['a bare list', JSON.stringify([entry]), '(root)'],
    [
      'a hash of 63 hex digits',
      JSON.stringify({
        callers: [{ ...entry, tokenSha256: entry.tokenSha256.slice(1) }],
      }),
      'callers.0.tokenSha256',
    ],
    [
      'a plain token instead of a hash',
      JSON.stringify({ callers: [{ ...entry, tokenSha256: OPERATOR_TOKEN }] }),
      'callers.0.tokenSha256',
    ],
    [
      'an unknown scope',
      JSON.stringify({
        callers: [entry, { ...entry, scopes: ['jobs:write'] }],
      }),
      'callers.1.scopes.0',
    ],
    [
      'an empty name',
      JSON.stringify({ callers: [{ ...entry, name: ' ' }] }),
      'callers.0.name',
    ],
    [
      'no pools',
      JSON.stringify({ callers: [{ ...entry, pools: undefined }] }),
      'callers.0.pools',
    ],
  ])(
    'throws when the secret has %s, logging where but no hash',
    (_case, secret, where) => {
      // Prepare
      const logs = captureLogs();

      // Act
      const parse = () => parseCallers(secret);

      // Assess
      expect(parse).toThrow(ConfigurationError);
      expect(parse).toThrow('The callers secret is malformed.');
      const [line] = logs.lines();
      expect(line).toMatchObject({
        level: 'ERROR',
        message: 'callers secret is malformed',
      });
      const problems = (line?.problems ?? []) as string[];
      expect(problems.some((p) => p.startsWith(`${where}: `))).toBe(true);
      expect(logs.text()).not.toContain(entry.tokenSha256.slice(1, 40));
    },
  );
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.DEF-123', 'abc.DEF-123'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer \t abc  ', 'abc'],
  ])('reads the token of %j', (header, token) => {
    // Act
    const value = bearerToken(header);

    // Assess
    expect(value).toBe(token);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and blanks', 'Bearer   '],
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['an AppKey', 'AppKey abc'],
    ['no space after the scheme', 'Bearerabc'],
    ['two tokens', 'Bearer abc def'],
    ['a token before the scheme', 'abc Bearer'],
  ])('reads no token from %s', (_case, header) => {
    // Act
    const value = bearerToken(header);

    // Assess
    expect(value).toBeUndefined();
  });
});

describe('CallerRegistry', () => {
  let clock: FakeClock;
  let registry: CallerRegistry;

  beforeEach(() => {
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: CALLERS_SECRET_ID })
      .resolves({ SecretString: callersSecret() });
    clock = new FakeClock();
    registry = new CallerRegistry(
      new SecretCache({ client: new SecretsManagerClient({}), now: clock.now }),
      CALLERS_SECRET_ID,
    );
  });

  it('refuses every token with 401 once the last caller is removed', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: CALLERS_SECRET_ID })
      .resolves({ SecretString: JSON.stringify({ callers: [] }) });

    // Act
    const found = registry.authenticate(`Bearer ${READER_TOKEN}`);

    // Assess
    await expect(found).rejects.toMatchObject({ statusCode: 401 });
  });

  it('answers the caller of a valid token', async () => {
    // Act
    const found = await registry.authenticate(`Bearer ${READER_TOKEN}`);

    // Assess
    expect(found).toEqual({
      name: 'dashboard',
      scopes: ['jobs:read'],
      pools: ['*'],
    });
  });

  it.each([
    [
      'no header',
      undefined,
      'Send a token as "Authorization: Bearer <token>".',
    ],
    [
      'another scheme',
      `Basic ${OPERATOR_TOKEN}`,
      'Send a token as "Authorization: Bearer <token>".',
    ],
    [
      'an unknown token',
      'Bearer not-a-caller',
      'The bearer token is not valid.',
    ],
    [
      'a token hash instead of the token',
      `Bearer ${sha256(OPERATOR_TOKEN)}`,
      'The bearer token is not valid.',
    ],
  ])('throws 401 for %s', async (_case, header, detail) => {
    // Act
    const authenticating = registry.authenticate(header);

    // Assess
    await expect(authenticating).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authenticating).rejects.toMatchObject({
      statusCode: 401,
      headers: { 'www-authenticate': 'Bearer' },
      message: detail,
    });
  });

  it('reads the callers secret once per five minutes', async () => {
    // Prepare
    await registry.authenticate(`Bearer ${OPERATOR_TOKEN}`);

    // Act
    clock.advance(5 * 60 * 1000 - 1);
    await registry.authenticate(`Bearer ${READER_TOKEN}`);
    await registry.authenticate(`Bearer ${OPERATOR_TOKEN}`);
    clock.advance(1);
    await registry.authenticate(`Bearer ${OPERATOR_TOKEN}`);

    // Assess
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toReceiveCommandWith(GetSecretValueCommand, {
      SecretId: CALLERS_SECRET_ID,
    });
  });

  it('refuses a revoked caller once the cache expired', async () => {
    // Prepare
    const remaining = TEST_CALLERS.filter((c) => c.token !== OPERATOR_TOKEN);
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: callersSecret() })
      .resolves({ SecretString: callersSecret(remaining) });
    const before = await registry.authenticate(`Bearer ${OPERATOR_TOKEN}`);

    // Act
    clock.advance(5 * 60 * 1000);
    const after = registry.authenticate(`Bearer ${OPERATOR_TOKEN}`);

    // Assess
    expect(before.name).toBe('night-operator');
    await expect(after).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('throws a ConfigurationError when the callers secret is malformed', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{}' });
    const logs = captureLogs();

    // Act
    const authenticating = registry.authenticate(`Bearer ${OPERATOR_TOKEN}`);

    // Assess
    await expect(authenticating).rejects.toBeInstanceOf(ConfigurationError);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ message: 'callers secret is malformed' }),
    );
  });

  describe("refuses every token that is not a caller's", () => {
    // Blanks around the token are the header's, not the token's.
    const refused = async (token: string) => {
      fc.pre(!VALID_TOKENS.includes(token.replaceAll(/^[ \t]+|[ \t]+$/g, '')));
      const authenticating = registry.authenticate(`Bearer ${token}`);
      await expect(authenticating).rejects.toBeInstanceOf(UnauthorizedError);
    };
    const validToken = fc.constantFrom(...VALID_TOKENS);

    it('refuses random tokens', async () => {
      // Prepare
      const tokens = fc.oneof(
        fc.string({ minLength: 1, maxLength: 80 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{20,64}$/),
      );

      // Act + Assess
      await fc.assert(fc.asyncProperty(tokens, refused), { numRuns: 300 });
    });

    it('refuses truncated tokens', async () => {
      // Prepare
      const truncated = validToken.chain((token) =>
        fc
          .integer({ min: 0, max: token.length - 1 })
          .map((length) => token.slice(0, length)),
      );

      // Act + Assess
      await fc.assert(fc.asyncProperty(truncated, refused), { numRuns: 200 });
    });

    it('refuses tokens with one character changed, added or removed', async () => {
      // Prepare
      const nearMiss = validToken.chain((token) =>
        fc
          .record({
            at: fc.integer({ min: 0, max: token.length }),
            char: fc.string({ minLength: 1, maxLength: 1 }),
            edit: fc.constantFrom('change', 'add', 'remove'),
          })
          .map(({ at, char, edit }) => {
            const before = token.slice(0, at);
            if (edit === 'add') {
              return before + char + token.slice(at);
            }
            const after = token.slice(at + 1);

            return edit === 'change' ? before + char + after : before + after;
          }),
      );

      // Act + Assess
      await fc.assert(fc.asyncProperty(nearMiss, refused), { numRuns: 500 });
    });

    it('accepts the valid tokens themselves', async () => {
      // Act
      const names = await Promise.all(
        VALID_TOKENS.map(async (token) => {
          const found = await registry.authenticate(`Bearer ${token}`);

          return found.name;
        }),
      );

      // Assess
      expect(names).toEqual(TEST_CALLERS.map((c) => c.name));
    });
  });
});

describe('requireScope', () => {
  it('lets a caller with the scope through', () => {
    // Act
    const check = () =>
      requireScope(caller({ scopes: ['jobs:cancel'] }), 'jobs:cancel');

    // Assess
    expect(check).not.toThrow();
  });

  it('throws 403 when the caller lacks the scope', () => {
    // Act
    const check = () =>
      requireScope(caller({ scopes: ['jobs:read'] }), 'jobs:cancel');

    // Assess
    expect(check).toThrow(ForbiddenError);
    expect(check).toThrow('This token lacks the scope jobs:cancel.');
  });
});

describe('requirePool', () => {
  it.each([
    ['its alias', ['demo']],
    ['its id', [DEMO.id]],
    ['every pool', ['*']],
    ['several pools', ['crm', DEMO.id]],
  ])('lets a caller granted %s through', (_case, pools) => {
    // Act
    const check = () => requirePool(caller({ pools }), DEMO);

    // Assess
    expect(check).not.toThrow();
  });

  it.each([
    ['another pool', ['crm']],
    ['no pool', []],
    ['a prefix of the alias', ['dem']],
  ])('throws 403 when the caller is granted %s', (_case, pools) => {
    // Act
    const check = () => requirePool(caller({ pools }), DEMO);

    // Assess
    expect(check).toThrow(ForbiddenError);
    expect(check).toThrow('This token does not grant the pool demo.');
  });

  it('grants a pool whose id the secret lists in upper case', async () => {
    // Prepare
    const [stored] = parseCallers(
      JSON.stringify({
        callers: [
          {
            name: 'crm-operator',
            tokenSha256: sha256(OPERATOR_TOKEN),
            scopes: ['jobs:cancel'],
            pools: [CRM.id.toUpperCase()],
          },
        ],
      }),
    );

    // Act
    const check = () => requirePool(stored as Caller, CRM);

    // Assess
    expect(check).not.toThrow();
  });
});
