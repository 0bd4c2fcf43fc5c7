import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  CallerRegistry,
  requirePool,
  requireScope,
} from '../../../lib/callers.ts';
import type { SecretCache } from '../../../lib/secrets.ts';
import { createCaller } from '../../../scripts/token.ts';

const run = promisify(execFile);
const script = new URL('../../../scripts/token.ts', import.meta.url).pathname;

function registryWith(secret: string): CallerRegistry {
  const secrets = { get: async () => secret } as unknown as SecretCache;

  return new CallerRegistry(secrets, 'callers');
}

async function runToken(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args]);

    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };

    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run token', () => {
  it('prints a token whose entry, pasted into the callers secret, authenticates', async () => {
    const { code, stdout } = await runToken([
      '--name',
      'night-operator',
      '--scopes',
      'jobs:read,jobs:cancel',
      '--pools',
      'sap-ecc',
    ]);

    const token = /^ {2}(\S+)$/m.exec(stdout)?.[1] ?? '';
    const entry = JSON.parse(stdout.slice(stdout.indexOf('{')));
    const caller = await registryWith(
      JSON.stringify({ callers: [entry] }),
    ).authenticate(`Bearer ${token}`);

    expect(code).toBe(0);
    expect(caller).toEqual({
      name: 'night-operator',
      scopes: ['jobs:read', 'jobs:cancel'],
      pools: ['sap-ecc'],
    });
    expect(() => requireScope(caller, 'jobs:cancel')).not.toThrow();
    expect(() =>
      requirePool(caller, { alias: 'sap-ecc', id: crypto.randomUUID() }),
    ).not.toThrow();
  });

  it('refuses an unknown scope with exit code 2 and the accepted ones', async () => {
    const { code, stdout, stderr } = await runToken([
      '--name',
      'x',
      '--scopes',
      'jobs:write',
      '--pools',
      '*',
    ]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      '--scopes: unknown scope jobs:write; accepted: jobs:read, jobs:cancel.',
    );
  });

  it('refuses an unknown option', async () => {
    const { code, stderr } = await runToken(['--name', 'x', '--scope', 'a']);

    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run token');
  });
});

describe('createCaller', () => {
  it('makes a URL-safe token of at least 256 bits, new each time', () => {
    const options = { name: 'a', scopes: 'jobs:read', pools: '*' };

    const first = createCaller(options);
    const second = createCaller(options);

    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(Buffer.from(first.token, 'base64url').length).toBeGreaterThanOrEqual(
      32,
    );
    expect(first.token).not.toBe(second.token);
    expect(first.entry.tokenSha256).not.toBe(second.entry.tokenSha256);
  });

  it.each([
    [
      { scopes: 'jobs:read', pools: '*' },
      '--name: expected 1 to 64 characters.',
    ],
    [{ name: 'a', pools: '*' }, '--scopes: expected a comma-separated list.'],
    [
      { name: 'a', scopes: 'jobs:read' },
      '--pools: expected a comma-separated list.',
    ],
    [
      { name: 'a', scopes: 'jobs:read', pools: 'SAP ECC' },
      '--pools: SAP ECC is not a pool alias, a pool id or *.',
    ],
  ])('refuses %j', (options, message) => {
    expect(() => createCaller(options)).toThrow(message);
  });
});
