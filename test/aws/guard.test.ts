/**
 * The AWS suite can only ever reach a local moto: the tests refuse any
 * other endpoint, and the runner refuses to start without moto_server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotLocalAwsError, requireLocalAws } from '../helpers/moto.ts';

const runner = new URL('../../scripts/with-moto.sh', import.meta.url).pathname;

describe('requireLocalAws', () => {
  it('answers the moto origin when AWS_ENDPOINT_URL is a loopback address', () => {
    // Prepare
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000/' };

    // Act
    const endpoint = requireLocalAws(env);

    // Assess
    expect(endpoint).toBe('http://127.0.0.1:5000');
  });

  it.each([
    ['AWS_ENDPOINT_URL is not set', {}],
    [
      'AWS_ENDPOINT_URL is a real AWS endpoint',
      { AWS_ENDPOINT_URL: 'https://secretsmanager.eu-central-1.amazonaws.com' },
    ],
    [
      'a service endpoint points elsewhere',
      {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
        AWS_ENDPOINT_URL_SNS: 'https://sns.eu-central-1.amazonaws.com',
      },
    ],
    [
      'the SDK is told to ignore the endpoint variables',
      {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      },
    ],
    ['AWS_ENDPOINT_URL is not a URL', { AWS_ENDPOINT_URL: '127.0.0.1:5000' }],
  ])('throws when %s', (_case, env: Record<string, string>) => {
    // Act
    const check = () => requireLocalAws(env);

    // Assess
    expect(check).toThrow(NotLocalAwsError);
  });
});

describe('scripts/with-moto.sh', () => {
  it('fails with a clear message, and runs nothing, when moto_server is not on PATH', () => {
    // Prepare: a PATH with the one tool the script needs before its check.
    const bin = mkdtempSync(join(tmpdir(), 'no-moto-'));
    symlinkSync(
      spawnSync('sh', ['-c', 'command -v dirname'], {
        encoding: 'utf8',
      }).stdout.trim(),
      join(bin, 'dirname'),
    );

    // Act
    const run = spawnSync('/bin/bash', [runner], {
      env: { PATH: bin },
      encoding: 'utf8',
    });
    rmSync(bin, { recursive: true });

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toBe(
      "moto_server not found: this suite needs moto (pip install 'moto[server]'); it runs in CI on the project image\n",
    );
    expect(run.stdout).toBe('');
  });
});
