import { afterEach, describe, expect, it, vi } from 'vitest';

// LOG_LEVEL is read when the module loads, so each case loads it afresh.
async function loadLogger(level: string | undefined) {
  vi.resetModules();
  vi.stubEnv('LOG_LEVEL', level);

  return import('../../../lib/logger.ts');
}

describe('logger', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it.each([
    [undefined, 'INFO'],
    ['', 'INFO'],
    ['debug', 'DEBUG'],
    [' warn ', 'WARN'],
    ['SILENT', 'SILENT'],
  ])('loads with LOG_LEVEL=%j at level %s', async (raw, expected) => {
    // Act
    const { logger } = await loadLogger(raw);

    // Assess
    expect(logger.getLevelName()).toBe(expected);
  });

  it('throws at load when LOG_LEVEL is not a level', async () => {
    // Act
    const loading = loadLogger('LOUD');

    // Assess
    await expect(loading).rejects.toMatchObject({
      name: 'ConfigVariableError',
      variable: 'LOG_LEVEL',
    });
  });
});
