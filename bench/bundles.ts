/**
 * The code Lambda would run. With a serverless.yml, each function's zip
 * comes from `serverless package`, unpacked; without one, or when packaging
 * fails, from esbuild with the options of serverless.yml's `custom.esbuild`.
 * The minimal handler is always built with those options, so it is measured
 * the same way.
 *
 * The bundles live in a temporary folder whose node_modules holds only
 * `@aws-sdk`, as the Lambda runtime does: a bundle that needs anything else
 * fails to load here instead of in AWS.
 * @module
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { POOL_ALIAS, POOL_ID } from './fixtures.ts';
import { readZip, writeZip } from './zip.ts';

export const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The functions of serverless.yml and their sources. */
export const FUNCTIONS = [
  { name: 'status', entry: 'functions/status.ts' },
  { name: 'cancel', entry: 'functions/cancel.ts' },
  { name: 'autoCancel', entry: 'functions/auto-cancel.ts' },
] as const;

export type FunctionName = (typeof FUNCTIONS)[number]['name'];

export interface Bundle {
  name: FunctionName | 'minimal';
  /** The handler module, to import. */
  file: string;
  zipBytes: number;
  /** The unpacked handler module. */
  moduleBytes: number;
}

export interface PackageShare {
  package: string;
  bytes: number;
}

export interface Bundles {
  /** How the function bundles were made, for the report. */
  source: string;
  dir: string;
  functions: Bundle[];
  minimal: Bundle;
  /** Per function: minified bytes by package, largest first. */
  composition: Record<string, PackageShare[]>;
}

// serverless.yml `custom.esbuild`, as serverless-esbuild passes it on.
const esbuildOptions: BuildOptions = {
  bundle: true,
  minify: true,
  keepNames: true,
  sourcemap: false,
  target: 'node22',
  platform: 'node',
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  external: ['@aws-sdk/*'],
  outExtension: { '.js': '.mjs' },
  logLevel: 'silent',
};

export interface BundleOptions {
  /** Build with esbuild even when serverless.yml exists. */
  esbuild?: boolean;
}

/** Builds or packages every bundle; `cleanupBundles` removes them again. */
export async function prepareBundles(
  options: BundleOptions = {},
): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), 'celonis-bench-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(
    join(REPO_DIR, 'node_modules', '@aws-sdk'),
    join(dir, 'node_modules', '@aws-sdk'),
    'dir',
  );

  const packaged = options.esbuild
    ? { source: 'own esbuild build (asked for with --esbuild)' }
    : packageWithServerless(dir);
  const functions = Array.isArray(packaged.bundles)
    ? packaged.bundles
    : await Promise.all(FUNCTIONS.map((fn) => buildBundle(dir, fn)));
  const minimal = await buildBundle(dir, {
    name: 'minimal',
    entry: 'bench/minimal-handler.ts',
  });

  return {
    source: packaged.source,
    dir,
    functions,
    minimal,
    composition: await describeComposition(),
  };
}

export function cleanupBundles(bundles: Bundles): void {
  rmSync(bundles.dir, { recursive: true, force: true });
}

interface Packaged {
  source: string;
  bundles?: Bundle[];
}

function packageWithServerless(dir: string): Packaged {
  if (!existsSync(join(REPO_DIR, 'serverless.yml'))) {
    return { source: 'own esbuild build (no serverless.yml yet)' };
  }
  const out = join(dir, 'package');
  // The bench stage has no team of its own: the template needs a URL and
  // pools, the functions get the emulator's through their environment.
  const run = spawnSync(
    'npx',
    [
      'serverless',
      'package',
      '--stage',
      'bench',
      '--package',
      out,
      '--param',
      'celonisUrl=https://bench-team.eu-1.celonis.cloud',
      '--param',
      `pools=${POOL_ALIAS}=${POOL_ID}`,
    ],
    { cwd: REPO_DIR, encoding: 'utf8', timeout: 180_000 },
  );
  if (run.status !== 0) {
    const why = `${run.stdout}${run.stderr}`.trim().split('\n').slice(-3);

    return {
      source: `own esbuild build (serverless package failed: ${why.join(' ')})`,
    };
  }
  try {
    return {
      source: 'serverless package --stage bench (osls, serverless-esbuild)',
      bundles: FUNCTIONS.map((fn) => unpack(dir, out, fn)),
    };
  } catch (error) {
    return {
      source: `own esbuild build (serverless package: ${(error as Error).message})`,
    };
  }
}

function unpack(
  dir: string,
  packageDir: string,
  fn: (typeof FUNCTIONS)[number],
): Bundle {
  const zipFile = join(packageDir, `${fn.name}.zip`);
  const target = join(dir, fn.name);
  for (const entry of readZip(readFileSync(zipFile))) {
    const file = join(target, entry.name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, entry.data);
  }
  const base = fn.entry.replace(/\.ts$/, '');
  const file = ['.mjs', '.js', '.cjs']
    .map((extension) => join(target, `${base}${extension}`))
    .find((candidate) => existsSync(candidate));
  if (file === undefined) {
    throw new Error(`${fn.name}.zip holds no ${base}.mjs or .js`);
  }

  return {
    name: fn.name,
    file,
    zipBytes: statSync(zipFile).size,
    moduleBytes: statSync(file).size,
  };
}

async function buildBundle(
  dir: string,
  fn: { name: Bundle['name']; entry: string },
): Promise<Bundle> {
  const target = join(dir, fn.name);
  const base = fn.entry.replace(/\.ts$/, '');
  await build({
    ...esbuildOptions,
    absWorkingDir: REPO_DIR,
    entryPoints: { [base]: fn.entry },
    outdir: target,
  });
  const file = join(target, `${base}.mjs`);
  const zip = writeZip([{ name: `${base}.mjs`, data: readFileSync(file) }]);
  writeFileSync(join(dir, `${fn.name}.zip`), zip);

  return {
    name: fn.name,
    file,
    zipBytes: zip.length,
    moduleBytes: statSync(file).size,
  };
}

/**
 * What each bundle is made of, by package, from esbuild's metafile: the
 * first place to look when a zip or a cold start grows.
 */
async function describeComposition(): Promise<Record<string, PackageShare[]>> {
  const entries = await Promise.all(
    FUNCTIONS.map(async (fn) => {
      const result = await build({
        ...esbuildOptions,
        absWorkingDir: REPO_DIR,
        entryPoints: [fn.entry],
        outdir: 'out',
        write: false,
        metafile: true,
      });

      return [fn.name, sharesByPackage(result.metafile)] as const;
    }),
  );

  return Object.fromEntries(entries);
}

function sharesByPackage(metafile: Metafile): PackageShare[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
    }
  }

  return [...totals.entries()]
    .map(([name, bytes]) => ({ package: name, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);

  return match?.[1] ?? 'own code (lib, functions)';
}
