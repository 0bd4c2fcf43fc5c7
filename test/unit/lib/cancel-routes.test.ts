import { describe, expect, it } from 'vitest';
import type { CancelOutcome, CancelResult } from '../../../lib/cancel.ts';
import { bulkStatus, resultView } from '../../../lib/cancel-routes.ts';
import type { Job } from '../../../lib/jobs.ts';

const JOB: Job = {
  id: '0bae5839-6921-46dc-8d0f-3294ecd6b3fd',
  name: 'Extract P2P',
  status: 'RUNNING',
  dataSourceId: null,
  currentExecutionId: 'e-1',
  lastExecutionStartDate: null,
};

function outcome(result: CancelResult, error?: string): CancelOutcome {
  return {
    pool: { id: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1', alias: 'demo' },
    jobId: JOB.id,
    name: JOB.name,
    previousStatus: 'RUNNING',
    result,
    status: result === 'cancelled' ? 'CANCEL' : 'RUNNING',
    job: JOB,
    ...(error !== undefined && { error, cause: new Error('not shown') }),
  };
}

describe('bulkStatus', () => {
  it.each([
    [[], false, 200],
    [['cancelled', 'not-running'], false, 200],
    [['cancelled', 'cancel-requested'], false, 202],
    [['cancel-requested', 'failed'], false, 502],
    [['would-cancel', 'would-cancel'], true, 200],
  ] as const)('answers %j (dry run %s) with %i', (results, dryRun, status) => {
    expect(
      bulkStatus(
        results.map((result) => outcome(result)),
        dryRun,
      ),
    ).toBe(status);
  });
});

describe('resultView', () => {
  it('shows a result without the job or the error object', () => {
    expect(resultView(outcome('failed', 'Celonis answered HTTP 500.'))).toEqual(
      {
        jobId: JOB.id,
        name: 'Extract P2P',
        previousStatus: 'RUNNING',
        result: 'failed',
        status: 'RUNNING',
        error: 'Celonis answered HTTP 500.',
      },
    );
  });

  it('leaves error out when there is none', () => {
    expect(resultView(outcome('cancelled'))).not.toHaveProperty('error');
  });
});
