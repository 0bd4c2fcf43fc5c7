import { describe, expect, it } from 'vitest';
import {
  type AutoCancelRequest,
  InvalidEventError,
  parseEvent,
} from '../../../lib/auto-cancel.ts';
import { loadConfig, type Pool } from '../../../lib/config.ts';

const SAP: Pool = {
  alias: 'sap-ecc',
  id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
};
const CRM: Pool = { alias: 'crm', id: '0e6b7a55-2c1f-4d3e-8a9b-1c2d3e4f5a6b' };
const POOLS = [SAP, CRM];
const SOURCE_ID = '3702de43-b181-4b5b-90da-87e056ce7616';
const JOB_ID = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseEvent', () => {
  it('reads a complete event', () => {
    // Prepare
    const event = {
      pools: ['sap-ecc', CRM.id.toUpperCase()],
      dataSourceIds: [SOURCE_ID.toUpperCase()],
      excludeJobIds: [JOB_ID],
      dryRun: true,
      waitSeconds: 600,
      reason: 'nightly SAP shutdown',
    };

    // Act
    const request = parseEvent(event, POOLS, [], false);

    // Assess
    expect(request).toEqual<AutoCancelRequest>({
      pools: [SAP, CRM],
      dataSourceIds: new Set([SOURCE_ID]),
      excludeJobIds: new Set([JOB_ID]),
      dryRun: true,
      waitSeconds: 600,
      reason: 'nightly SAP shutdown',
    });
  });

  it.each([
    ['an empty event', {}],
    ['no event', undefined],
    ['a null event', null],
  ])('falls back to the defaults for %s', (_case, event) => {
    // Act
    const request = parseEvent(event, POOLS, [CRM], false);

    // Assess
    expect(request).toEqual<AutoCancelRequest>({
      pools: [CRM],
      dataSourceIds: undefined,
      excludeJobIds: new Set(),
      dryRun: false,
      waitSeconds: 120,
      reason: undefined,
    });
  });

  it('takes AUTO_CANCEL_POOLS and AUTO_CANCEL_DRY_RUN from the configuration', () => {
    // Prepare
    const config = loadConfig({
      CELONIS_URL: 'https://acme.eu-1.celonis.cloud',
      CELONIS_SECRET_ID: 'celonis',
      POOLS: `sap-ecc=${SAP.id},crm=${CRM.id}`,
      AUTO_CANCEL_POOLS: 'crm,sap-ecc',
      AUTO_CANCEL_DRY_RUN: 'true',
    });

    // Act
    const request = parseEvent(
      { waitSeconds: 0 },
      config.pools,
      config.autoCancelPools,
      config.autoCancelDryRun,
    );

    // Assess
    expect(request.pools).toEqual([CRM, SAP]);
    expect(request.dryRun).toBe(true);
    expect(request.waitSeconds).toBe(0);
  });

  it('is no dry run when AUTO_CANCEL_DRY_RUN is not set', () => {
    // Prepare
    const config = loadConfig({
      CELONIS_URL: 'https://acme.eu-1.celonis.cloud',
      CELONIS_SECRET_ID: 'celonis',
      POOLS: `sap-ecc=${SAP.id}`,
      AUTO_CANCEL_POOLS: 'sap-ecc',
    });

    // Act
    const request = parseEvent(
      {},
      config.pools,
      config.autoCancelPools,
      config.autoCancelDryRun,
    );

    // Assess
    expect(request.dryRun).toBe(false);
  });

  it('lets the event turn the default dry run off', () => {
    // Act
    const request = parseEvent({ dryRun: false }, POOLS, [SAP], true);

    // Assess
    expect(request.dryRun).toBe(false);
  });

  it('prefers the pools of the event to AUTO_CANCEL_POOLS', () => {
    // Act
    const request = parseEvent({ pools: ['crm'] }, POOLS, [SAP], false);

    // Assess
    expect(request.pools).toEqual([CRM]);
  });

  it('names a pool once however often the event names it', () => {
    // Act
    const request = parseEvent(
      { pools: ['sap-ecc', SAP.id, SAP.id.toUpperCase()] },
      POOLS,
      [],
      false,
    );

    // Assess
    expect(request.pools).toEqual([SAP]);
  });

  it('throws when neither the event nor AUTO_CANCEL_POOLS names a pool', () => {
    // Act
    const error = thrown(() => parseEvent({ dryRun: true }, POOLS, [], false));

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({
      message:
        'Invalid autoCancel event: pools: the event names none and AUTO_CANCEL_POOLS is not set.',
    });
  });

  it.each([
    ['pools', { pools: 'sap-ecc' }],
    ['pools', { pools: [] }],
    ['pools.0', { pools: [42] }],
    ['pools.1', { pools: ['sap-ecc', 'finance'] }],
    ['pools.0', { pools: ['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'] }],
    ['pools.0', { pools: ['SAP-ECC'] }],
    ['dataSourceIds', { dataSourceIds: SOURCE_ID }],
    ['dataSourceIds.0', { dataSourceIds: ['sap-source'] }],
    ['excludeJobIds.1', { excludeJobIds: [JOB_ID, 'main-job'] }],
    ['excludeJobIds', { excludeJobIds: {} }],
    ['dryRun', { dryRun: 'true' }],
    ['dryRun', { dryRun: 1 }],
    ['waitSeconds', { waitSeconds: -1 }],
    ['waitSeconds', { waitSeconds: 601 }],
    ['waitSeconds', { waitSeconds: '60' }],
    ['waitSeconds', { waitSeconds: null }],
    ['reason', { reason: 'x'.repeat(201) }],
    ['reason', { reason: 7 }],
  ])('throws naming %s for %j', (field, event) => {
    // Act
    const error = thrown(() => parseEvent(event, POOLS, [SAP], false));

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Invalid autoCancel event: ${field.replace('.', '\\.')}: `),
    );
  });

  it('throws naming an unknown field', () => {
    // Act
    const error = thrown(() =>
      parseEvent({ pool: 'sap-ecc', dryRun: true }, POOLS, [SAP], false),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/unknown field pool\b/);
  });

  it.each([
    ['a string', 'sap-ecc'],
    ['a list', [{ pools: ['sap-ecc'] }]],
    ['a number', 42],
  ])('throws when the event is %s', (_case, event) => {
    // Act
    const error = thrown(() => parseEvent(event, POOLS, [SAP], false));

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
  });
});
