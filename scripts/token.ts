/**
 * `npm run token -- --name <name> --scopes <list> --pools <list>`
 *
 * Prints a new random bearer token once, and the entry to add to the
 * callers secret. Only the token's SHA-256 goes into the secret; the token
 * itself is shown here and nowhere else, so hand it to the caller now.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hashToken, SCOPES, type Scope } from '../lib/callers.ts';
import { isAlias, isUuid } from '../lib/ids.ts';

export interface CallerEntry {
  name: string;
  tokenSha256: string;
  scopes: Scope[];
  pools: string[];
}

export interface NewCaller {
  token: string;
  entry: CallerEntry;
}

const usage =
  'usage: npm run token -- --name <name> --scopes jobs:read[,jobs:cancel] --pools <alias|poolId|*>[,...]';

/**
 * @example
 * const { token, entry } = createCaller({
 *   name: 'night-operator', scopes: 'jobs:read,jobs:cancel', pools: 'sap-ecc',
 * });
 */
export function createCaller(options: {
  name?: string;
  scopes?: string;
  pools?: string;
}): NewCaller {
  const name = options.name?.trim() ?? '';
  if (name.length < 1 || name.length > 64) {
    throw new UsageError('--name: expected 1 to 64 characters.');
  }
  const scopes = splitList(options.scopes, '--scopes');
  const unknown = scopes.filter((scope) => !SCOPES.includes(scope as Scope));
  if (unknown.length > 0) {
    throw new UsageError(
      `--scopes: unknown scope ${unknown.join(', ')}; accepted: ${SCOPES.join(', ')}.`,
    );
  }
  const pools = splitList(options.pools, '--pools');
  const badPools = pools.filter((p) => p !== '*' && !isAlias(p) && !isUuid(p));
  if (badPools.length > 0) {
    throw new UsageError(
      `--pools: ${badPools.join(', ')} is not a pool alias, a pool id or *.`,
    );
  }
  // 32 random bytes: 256 bits, 43 URL-safe characters.
  const token = randomBytes(32).toString('base64url');

  return {
    token,
    entry: {
      name,
      tokenSha256: hashToken(token).toString('hex'),
      scopes: [...new Set(scopes)] as Scope[],
      pools: [...new Set(pools.map((pool) => pool.toLowerCase()))],
    },
  };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function splitList(raw: string | undefined, flag: string): string[] {
  const values = (raw ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (values.length === 0) {
    throw new UsageError(`${flag}: expected a comma-separated list.`);
  }

  return values;
}

function main(argv: string[]): number {
  let caller: NewCaller;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        pools: { type: 'string' },
      },
      strict: true,
    });
    caller = createCaller(values);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);

    return 2;
  }
  process.stdout.write(
    [
      `Token for ${caller.entry.name} (shown once, store it now):`,
      '',
      `  ${caller.token}`,
      '',
      'Add this entry to the "callers" array of the callers secret:',
      '',
      JSON.stringify(caller.entry, null, 2),
      '',
    ].join('\n'),
  );

  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
