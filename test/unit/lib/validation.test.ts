import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { BadRequestError } from '../../../lib/errors.ts';
import { parseInput, reason, uuid, uuidList } from '../../../lib/validation.ts';

const body = z.strictObject({ jobIds: uuidList.optional(), reason: reason });

describe('parseInput', () => {
  it('answers the parsed value, ids in lower case', () => {
    // Act
    const parsed = parseInput(
      body,
      { jobIds: ['0BAE5839-6921-46DC-8D0F-3294ECD6B3FD'], reason: 'x' },
      'body',
    );

    // Assess
    expect(parsed).toEqual({
      jobIds: ['0bae5839-6921-46dc-8d0f-3294ecd6b3fd'],
      reason: 'x',
    });
  });

  it.each([
    [{ reason: 'x', jobIDs: [] }, 'body: unknown field jobIDs.'],
    [{ reason: 'x', jobIds: ['nope'] }, 'body.jobIds.0: expected a UUID.'],
    [
      { reason: 'x', jobIds: [] },
      'body.jobIds: expected at least one id; omit the field to target every job.',
    ],
    [
      { reason: 'r'.repeat(201) },
      'body.reason: expected at most 200 characters.',
    ],
  ])('throws a 400 naming the field for %j', (input, detail) => {
    // Act
    const parse = () => parseInput(body, input, 'body');

    // Assess
    expect(parse).toThrow(BadRequestError);
    expect(parse).toThrow(detail);
  });

  it('names no path for a problem with the whole input', () => {
    // Act
    const parse = () => parseInput(z.strictObject({}), { pool: 'x' }, '');

    // Assess
    expect(parse).toThrow(/^unknown field pool\.$/);
  });
});

describe('uuid', () => {
  it('accepts any version and lower-cases it', () => {
    expect(uuid.parse('00000000-0000-0000-0000-00000000000A')).toBe(
      '00000000-0000-0000-0000-00000000000a',
    );
  });
});
