import { describe, expect, it } from 'vitest';
import {
  celonisJob,
  celonisJobStatus,
  formatJobsTable,
  type Job,
  mergeJobs,
} from '../../../lib/jobs.ts';

const JOB_ID = '0bae5839-6921-46dc-8d0f-3294ecd6b3fd';
const OTHER_ID = '11111111-2222-4333-8444-555555555555';
const NEVER_ID = '33333333-4444-4555-8666-777777777777';
const SOURCE_ID = '3702de43-b181-4b5b-90da-87e056ce7616';

function job(changes: Partial<Job> = {}): Job {
  return {
    id: JOB_ID,
    name: 'Extract P2P',
    status: 'RUNNING',
    dataSourceId: SOURCE_ID,
    currentExecutionId: 'e-1',
    lastExecutionStartDate: '2026-12-03T22:01:00.000Z',
    ...changes,
  };
}

/** The C0 and C1 control characters in `text`, as code points. */
function controlCharacters(text: string): number[] {
  return [...text]
    .map((char) => char.codePointAt(0) ?? 0)
    .filter((code) => code < 0x20 || (code >= 0x7f && code <= 0x9f));
}

describe('celonisJob', () => {
  it('ignores fields it does not know', () => {
    // Prepare
    const raw = {
      id: JOB_ID,
      name: 'Extract P2P',
      dataPoolId: '3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1',
      dataSourceId: SOURCE_ID,
      status: 'RUNNING',
      currentExecutionId: 'e-1',
      schedulingType: null,
      timeStamp: 1_700_000_000_000,
    };

    // Act
    const parsed = celonisJob.parse(raw);

    // Assess
    expect(parsed).toEqual({
      id: JOB_ID,
      name: 'Extract P2P',
      dataSourceId: SOURCE_ID,
      status: 'RUNNING',
      currentExecutionId: 'e-1',
    });
  });

  it('reads missing optional fields as null', () => {
    // Act
    const parsed = celonisJob.parse({ id: JOB_ID });

    // Assess
    expect(parsed).toEqual({
      id: JOB_ID,
      dataSourceId: null,
      status: null,
      currentExecutionId: null,
    });
  });

  it('reads a numeric execution id as text', () => {
    // Act
    const parsed = celonisJob.parse({
      id: JOB_ID,
      status: 'RUNNING',
      currentExecutionId: 42,
    });

    // Assess
    expect(parsed.currentExecutionId).toBe('42');
  });

  it.each([
    ['RUNNING', 'RUNNING'],
    ['queued', 'QUEUED'],
    ['Cancel', 'CANCEL'],
    ['PAUSED', 'UNKNOWN'],
    ['', null],
    [null, null],
    [7, 'UNKNOWN'],
  ])('reads the status %j as %j', (status, expected) => {
    // Act
    const parsed = celonisJob.parse({ id: JOB_ID, status });

    // Assess
    expect(parsed.status).toBe(expected);
  });

  it.each([
    ['no id', { name: 'x' }],
    ['an empty id', { id: '' }],
    ['a numeric id', { id: 42 }],
  ])('refuses a job with %s', (_case, raw) => {
    // Act
    const parsed = celonisJob.safeParse(raw);

    // Assess
    expect(parsed.success).toBe(false);
  });
});

describe('celonisJobStatus', () => {
  it.each([
    ['epoch milliseconds', 1_796_335_260_000, '2026-12-03T22:01:00.000Z'],
    ['epoch milliseconds as text', '1796335260000', '2026-12-03T22:01:00.000Z'],
    ['an ISO date in UTC', '2026-12-03T22:01:00Z', '2026-12-03T22:01:00.000Z'],
    [
      'an ISO date with an offset',
      '2026-12-03T23:01:00+01:00',
      '2026-12-03T22:01:00.000Z',
    ],
    ['garbage', 'yesterday evening', null],
    ['an empty string', '', null],
    ['blanks', '  ', null],
    ['null', null, null],
    ['a boolean', true, null],
    ['an object', { epochMillis: 1 }, null],
    ['an impossible date', 1e20, null],
  ])('reads a start date of %s', (_case, date, expected) => {
    // Act
    const parsed = celonisJobStatus.parse({
      id: JOB_ID,
      status: 'SUCCESS',
      lastExecutionStartDate: date,
    });

    // Assess
    expect(parsed.lastExecutionStartDate).toBe(expected);
  });

  it('reads an entry without a date', () => {
    // Act
    const parsed = celonisJobStatus.parse({ id: JOB_ID, status: 'FAIL' });

    // Assess
    expect(parsed).toEqual({
      id: JOB_ID,
      status: 'FAIL',
      lastExecutionStartDate: null,
    });
  });
});

describe('mergeJobs', () => {
  it("prefers the job object's status to the status list's", () => {
    // Prepare
    const job = celonisJob.parse({ id: JOB_ID, name: 'x', status: 'CANCEL' });
    const entry = celonisJobStatus.parse({ id: JOB_ID, status: 'RUNNING' });

    // Act
    const [merged] = mergeJobs([job], [entry]);

    // Assess
    expect(merged?.status).toBe('CANCEL');
  });

  it('merges each job with its status entry', () => {
    // Prepare
    const jobs = [
      celonisJob.parse({
        id: JOB_ID.toUpperCase(),
        name: 'Extract P2P',
        dataSourceId: SOURCE_ID.toUpperCase(),
        status: null,
        currentExecutionId: 'e-1',
      }),
      celonisJob.parse({ id: OTHER_ID, name: 'Transform', status: 'SUCCESS' }),
      celonisJob.parse({ id: NEVER_ID, name: null, status: null }),
    ];
    const statuses = [
      celonisJobStatus.parse({
        id: JOB_ID,
        status: 'RUNNING',
        lastExecutionStartDate: 1_796_335_260_000,
      }),
      celonisJobStatus.parse({
        id: OTHER_ID.toUpperCase(),
        status: 'SUCCESS',
        lastExecutionStartDate: '2026-12-02T01:00:00Z',
      }),
      celonisJobStatus.parse({
        id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
        status: 'RUNNING',
        lastExecutionStartDate: null,
      }),
    ];

    // Act
    const merged = mergeJobs(jobs, statuses);

    // Assess
    expect(merged).toEqual([
      {
        id: JOB_ID,
        name: 'Extract P2P',
        status: 'RUNNING',
        dataSourceId: SOURCE_ID,
        currentExecutionId: 'e-1',
        lastExecutionStartDate: '2026-12-03T22:01:00.000Z',
      },
      {
        id: OTHER_ID,
        name: 'Transform',
        status: 'SUCCESS',
        dataSourceId: null,
        currentExecutionId: null,
        lastExecutionStartDate: '2026-12-02T01:00:00.000Z',
      },
      {
        id: NEVER_ID,
        name: '',
        status: null,
        dataSourceId: null,
        currentExecutionId: null,
        lastExecutionStartDate: null,
      },
    ]);
  });

  it('keeps the definition status when the status entry has none', () => {
    // Prepare
    const jobs = [celonisJob.parse({ id: JOB_ID, status: 'RUNNING' })];
    const statuses = [
      celonisJobStatus.parse({
        id: JOB_ID,
        status: null,
        lastExecutionStartDate: null,
      }),
    ];

    // Act
    const [merged] = mergeJobs(jobs, statuses);

    // Assess
    expect(merged?.status).toBe('RUNNING');
  });

  it('answers no jobs for an empty pool', () => {
    // Act
    const merged = mergeJobs([], []);

    // Assess
    expect(merged).toEqual([]);
  });
});

describe('formatJobsTable', () => {
  it('lays the jobs out in space-padded columns', () => {
    // Prepare
    const jobs = [
      job(),
      job({
        id: OTHER_ID,
        name: 'Load the very long O2C model',
        status: 'SUCCESS',
        lastExecutionStartDate: '2026-12-02T01:00:00.123Z',
      }),
      job({
        id: NEVER_ID,
        name: 'T',
        status: null,
        lastExecutionStartDate: null,
      }),
    ];

    // Act
    const table = formatJobsTable(jobs);

    // Assess
    expect(table).toBe(
      [
        'NAME                          STATUS   STARTED               ID',
        `Extract P2P                   RUNNING  2026-12-03T22:01:00Z  ${JOB_ID}`,
        `Load the very long O2C model  SUCCESS  2026-12-02T01:00:00Z  ${OTHER_ID}`,
        `T                             -        -                     ${NEVER_ID}`,
        '',
      ].join('\n'),
    );
  });

  it('starts every column at the same place on every line', () => {
    // Prepare
    const names = ['a', 'Extract P2P', 'x'.repeat(70), 'Load O2C'];
    const statuses = ['QUEUED', 'RUNNING', 'CANCEL', 'UNKNOWN'] as const;
    const jobs = names.map((name, index) =>
      job({ name, status: statuses[index] ?? null }),
    );

    // Act
    const lines = formatJobsTable(jobs).trimEnd().split('\n');

    // Assess
    const header = lines[0] ?? '';
    const starts = ['STATUS', 'STARTED', 'ID'].map((title) =>
      header.indexOf(title),
    );
    for (const [index, line] of lines.slice(1).entries()) {
      expect(line.slice(starts[0])).toMatch(new RegExp(`^${statuses[index]} `));
      expect(line.slice(starts[1])).toMatch(/^2026-12-03T22:01:00Z /);
      expect(line.slice(starts[2])).toBe(JOB_ID);
      expect(line.charAt((starts[0] ?? 0) - 1)).toBe(' ');
    }
  });

  it('keeps a name with line breaks and tabs on one line', () => {
    // Prepare
    const jobs = [job({ name: ' Extract\r\nP2P\t(full)\n' })];

    // Act
    const table = formatJobsTable(jobs);

    // Assess
    expect(table.split('\n')).toHaveLength(3);
    expect(table.split('\n')[1]).toMatch(
      /^Extract P2P \(full\) {2}RUNNING {2}/,
    );
  });

  it('writes no control character of a name to the terminal', () => {
    // Prepare
    const jobs = [
      job({ name: 'Extract\u001b[2J\u001b]0;pwned\u0007 P2P\u0000' }),
    ];

    // Act
    const table = formatJobsTable(jobs);

    // Assess
    const lines = table.split('\n');
    expect(lines.flatMap(controlCharacters)).toEqual([]);
  });

  it('shows - for a job without a name', () => {
    // Prepare
    const jobs = [job({ name: ' \n ' })];

    // Act
    const table = formatJobsTable(jobs);

    // Assess
    expect(table.split('\n')[1]).toMatch(/^- +RUNNING/);
  });

  it('answers the header alone when there is no job', () => {
    // Act
    const table = formatJobsTable([]);

    // Assess
    expect(table).toBe('NAME  STATUS  STARTED  ID\n');
  });
});
