import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../lib/errors.ts';
import { parseStatusFilter, poolView } from '../../../lib/status.ts';

describe('parseStatusFilter', () => {
  it('keeps every job when the parameter is absent', () => {
    expect(parseStatusFilter(undefined)).toBeUndefined();
  });

  it('reads a comma-separated list in any case, blanks ignored', () => {
    expect(parseStatusFilter(' running, Queued ,,none')).toEqual(
      new Set(['RUNNING', 'QUEUED', 'NONE']),
    );
  });

  it.each(['', ',', 'RUNNING,CANCELLED', 'FAILED'])(
    'throws a 400 listing the accepted values for %j',
    (raw) => {
      // Act
      const parse = () => parseStatusFilter(raw);

      // Assess
      expect(parse).toThrow(BadRequestError);
      expect(parse).toThrow(
        'status: expected a comma-separated list of QUEUED, RUNNING, SUCCESS, CANCEL, FAIL, SKIPPED, UNKNOWN, NONE.',
      );
    },
  );
});

describe('poolView', () => {
  it('shows the id and alias only', () => {
    expect(
      poolView({ id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1', alias: 'demo' }),
    ).toEqual({ id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1', alias: 'demo' });
  });
});
