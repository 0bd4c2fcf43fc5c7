import { describe, expect, it } from 'vitest';
import { isAlias, isUuid, normaliseUuid } from '../../../lib/ids.ts';

describe('isUuid', () => {
  it.each([
    '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
    '3D8A2621-F9C0-456A-9B2D-9BB8C0A9FCD1',
    '00000000-0000-0000-0000-000000000000',
  ])('accepts %s', (value) => {
    // Act
    const accepted = isUuid(value);

    // Assess
    expect(accepted).toBe(true);
  });

  it.each([
    '3d8a2621f9c0456a9b2d9bb8c0a9fcd1',
    '{3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1}',
    ' 3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
    '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1\n',
    '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcdg',
    '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1/../x',
    '',
  ])('refuses %j', (value) => {
    // Act
    const accepted = isUuid(value);

    // Assess
    expect(accepted).toBe(false);
  });
});

describe('isAlias', () => {
  it.each(['a', 'sap-ecc', 'crm_2', '0', 'a'.repeat(64)])(
    'accepts %s',
    (value) => {
      // Act
      const accepted = isAlias(value);

      // Assess
      expect(accepted).toBe(true);
    },
  );

  it.each([
    '',
    'a'.repeat(65),
    'SAP',
    'sap ecc',
    'sap.ecc',
    'sap/ecc',
    'sap-ecc\n',
    'ü',
  ])('refuses %j', (value) => {
    // Act
    const accepted = isAlias(value);

    // Assess
    expect(accepted).toBe(false);
  });
});

describe('normaliseUuid', () => {
  it('lower-cases an id', () => {
    // Act
    const id = normaliseUuid('3D8A2621-F9C0-456A-9B2D-9BB8C0A9FCD1');

    // Assess
    expect(id).toBe('3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1');
  });
});
