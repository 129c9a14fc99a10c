import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerNextCommand } from '../../lib/cli/next.ts';

/** Runs `airstep next …` in-process and returns what it printed and its exit code. */
async function airstepNext(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('airstep').exitOverride();
  registerNextCommand(program);
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(`${parts.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void stderr.push(`${parts.join(' ')}\n`));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'airstep', 'next', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  }
}

const folders: string[] = [];

/** A DAG file outside the examples, importing the SDK by path. */
async function dagFile(options: string): Promise<string> {
  const sdk = resolve('lib/sdk/index.ts');
  const folder = await mkdtemp(join(tmpdir(), 'airstep-next-'));
  folders.push(folder);
  const file = join(folder, 'dag.ts');
  await writeFile(file, `import { dag } from '${sdk}';\nexport default dag(${options});\n`);
  return file;
}

afterEach(() => {
  process.exitCode = undefined;
});

afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('Command: airstep next', () => {
  it('prints the next runs of a DAG file and the schedules it deploys with, as JSON', async () => {
    // Act
    const result = await airstepNext(
      'dags/examples/branching.ts',
      '--after',
      '2026-11-22T12:00:00Z',
      '--count',
      '2',
      '--json',
    );
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      runs: [
        {
          logicalDate: '2026-11-22T06:00:00+01:00',
          dataIntervalStart: '2026-11-22T06:00:00+01:00',
          dataIntervalEnd: '2026-11-23T06:00:00+01:00',
          runAfter: '2026-11-23T06:00:00+01:00',
        },
        {
          logicalDate: '2026-11-23T06:00:00+01:00',
          dataIntervalStart: '2026-11-23T06:00:00+01:00',
          dataIntervalEnd: '2026-11-24T06:00:00+01:00',
          runAfter: '2026-11-24T06:00:00+01:00',
        },
      ],
      eventbridge: [{ expression: 'cron(0 6 * * ? *)', timezone: 'Europe/Berlin', startDate: '2026-11-23T05:00:00Z' }],
    });
  });

  it('prints a table for people', async () => {
    const result = await airstepNext('dags/examples/branching.ts', '--after', '2026-11-22T12:00:00Z', '--count', '1');
    expect(result.stdout).toBe(
      [
        'dag branching (dags/examples/branching.ts)',
        '  schedule     0 6 * * *  Europe/Berlin  from 2026-11-01',
        '  eventbridge  cron(0 6 * * ? *)  Europe/Berlin  start 2026-11-23T05:00:00Z',
        '  ds          logical date               runs at (end of the data interval)',
        '  2026-11-22  2026-11-22T06:00:00+01:00  2026-11-23T06:00:00+01:00',
        '',
      ].join('\n'),
    );
  });

  it('reads --after without an offset in the DAG zone', async () => {
    const result = await airstepNext(
      'dags/examples/branching.ts',
      '--after',
      '2026-11-23T06:00',
      '--count',
      '1',
      '--json',
    );
    expect(JSON.parse(result.stdout).runs[0].runAfter).toBe('2026-11-24T06:00:00+01:00');
  });

  it('shows the runs of a schedule given on the command line', async () => {
    // Act
    const result = await airstepNext(
      '--schedule',
      '0 0 1 * 1',
      '--tz',
      'America/New_York',
      '--after',
      '2026-05-31T12:00:00Z',
      '--count',
      '3',
      '--json',
    );
    // Assess
    const output = JSON.parse(result.stdout);
    expect(output.runs.map((run: { runAfter: string }) => run.runAfter)).toEqual([
      '2026-06-01T00:00:00-04:00',
      '2026-06-08T00:00:00-04:00',
      '2026-06-15T00:00:00-04:00',
    ]);
    expect(output.eventbridge).toEqual([
      { expression: 'cron(0 0 1 * ? *)', timezone: 'America/New_York' },
      { expression: 'cron(0 0 ? * 2 *)', timezone: 'America/New_York' },
    ]);
  });

  it('picks a DAG with --dag in a file that declares several', async () => {
    const result = await airstepNext(
      'dags/examples/generated_dags.ts',
      '--dag',
      'ingest_billing',
      '--json',
      '--after',
      '2026-11-22',
    );
    expect(JSON.parse(result.stdout).eventbridge[0].expression).toBe('cron(30 2 * * ? *)');
  });

  it('says a manual-only DAG has no scheduled runs', async () => {
    const json = await airstepNext('dags/examples/csv_to_json.ts', '--json');
    const text = await airstepNext('dags/examples/csv_to_json.ts');
    expect(JSON.parse(json.stdout)).toEqual({ runs: [], eventbridge: [] });
    expect(text.stdout).toContain('manual only (schedule null)');
  });

  describe('bad input exits 2', () => {
    it('names the DAG and the field of a bad schedule option', async () => {
      // Prepare
      const file = await dagFile(
        `{ id: 'bad_zone', schedule: '@daily', timezone: 'Mars/Olympus_Mons', startDate: '2026-01-01', endDate: '2025-01-01' }`,
      );
      // Act
      const result = await airstepNext(file, '--json');
      // Assess
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        "› dag bad_zone › timezone: timezone 'Mars/Olympus_Mons' is not an IANA time zone",
      );
      expect(result.stderr).toContain(
        "› dag bad_zone › endDate: endDate '2025-01-01' is before startDate '2026-01-01'",
      );
    });

    it('names the field of a bad --schedule', async () => {
      const result = await airstepNext('--schedule', '0 25 * * *');
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: "schedule: schedule '0 25 * * *': hour 25 is out of range 0-23\n",
      });
    });

    it('lists the DAGs when --dag is missing or wrong', async () => {
      const missing = await airstepNext('dags/examples/generated_dags.ts');
      const wrong = await airstepNext('dags/examples/generated_dags.ts', '--dag', 'nope');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /declares 3 DAGs \(ingest_crm, ingest_billing, ingest_support\); choose one with --dag/,
      );
      expect(wrong.stderr).toMatch(/has no DAG 'nope' \(it has ingest_crm, ingest_billing, ingest_support\)/);
    });

    it.each([
      [
        ['--schedule', '@daily', '--count', '0'],
        "airstep next: --count must be a whole number from 1 to 1000, got '0'\n",
      ],
      [
        ['--schedule', '@daily', '--after', 'tomorrow'],
        "airstep next: --after: after 'tomorrow' is not an ISO date or date-time (e.g. 2026-01-01 or 2026-01-01T06:00:00+01:00)\n",
      ],
      [[], 'airstep next: give a DAG file, or --schedule EXPR\n'],
      [
        ['dags/examples/branching.ts', '--tz', 'UTC'],
        'airstep next: --tz goes with --schedule; a DAG file sets its own timezone\n',
      ],
    ])('refuses %j', async (args, message) => {
      const result = await airstepNext(...args);
      expect([result.code, result.stderr]).toEqual([2, message]);
    });

    it('reports a file that does not import', async () => {
      const result = await airstepNext('dags/missing.ts');
      expect([result.code, result.stderr]).toEqual([2, 'airstep next: dags/missing.ts: file not found\n']);
    });
  });
});
