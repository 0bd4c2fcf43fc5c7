import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_POOL_ID, demoAppKey } from '../../../emulator/demo.ts';

const MAIN = fileURLToPath(
  new URL('../../../emulator/main.ts', import.meta.url),
);

/** Starts the CLI and answers the URL from the line it prints. */
async function startCli(child: ChildProcess): Promise<string> {
  let output = '';
  for await (const chunk of child.stdout ?? []) {
    output += String(chunk);
    const url = /http:\/\/[\d.]+:\d+/.exec(output)?.[0];
    if (url) {
      return url;
    }
  }

  throw new Error(`the emulator printed no URL: ${output}`);
}

describe('emulator CLI', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('serves the demo pool and stops on SIGTERM', async () => {
    // Prepare
    child = spawn(process.execPath, [MAIN, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await startCli(child);

    // Act
    const response = await fetch(
      `${url}/integration/api/pools/${DEMO_POOL_ID}/jobs`,
      { headers: { authorization: `AppKey ${demoAppKey}` } },
    );
    child.kill('SIGTERM');
    const [exitCode] = await once(child, 'exit');

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(6);
    expect(exitCode).toBe(0);
  });

  it('exits with status 2 for an invalid option', async () => {
    // Prepare
    child = spawn(process.execPath, [MAIN, '--port', 'x'], {
      stdio: 'ignore',
    });

    // Act
    const [exitCode] = await once(child, 'exit');

    // Assess
    expect(exitCode).toBe(2);
  });
});
