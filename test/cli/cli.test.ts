import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dagFilesUnder } from '../../lib/cli/load-dags.ts';
import type { DagManifest } from '../../lib/compiler/manifest.ts';
import { linkAirstep } from '../helpers/scratch-project.ts';

/**
 * The CLI as users run it: `node bin/airstep.js …` in a child process (tsx loads the DAG files). Each process costs
 * about half a second, so every command runs once, all of them side by side before the assertions.
 */
interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function airstep(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/airstep.js', ...args],
      { env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

const MIXED = 'test/fixtures/mixed-dags';
const MIXED_PROBLEMS = [
  `${MIXED}/misconfigured.ts:4 › import failed: Unexpected token '}', "{ "tables": [ }" is not valid JSON`,
  `${MIXED}/weekly_cleanup.ts › dag mixed_weekly_cleanup › task list › upstream: dependency cycle: list -> remove -> list`,
];

/** A DAG mapping one task over 10,000 literal items: inline, its run would write 80,014 history events. */
const TOO_MANY = `import { dag } from 'airstep';
const d = dag({ id: 'too_many' });
d.expand('each', { over: Array.from({ length: 10000 }, (_, i) => i) }, async (_ctx, item: number) => item);
export default d;
`;

let out: string;
let runs: Record<
  | 'validateDags'
  | 'validateMixed'
  | 'compile'
  | 'compileJson'
  | 'compileMapped'
  | 'compileMappedJson'
  | 'compileTooMany'
  | 'graphText'
  | 'graphMermaid'
  | 'graphDot'
  | 'graphJson'
  | 'list'
  | 'listJson',
  Run
>;

beforeAll(async () => {
  // In a temporary folder: the written files are compared, then removed.
  out = await mkdtemp(join(tmpdir(), 'airstep-cli-test-'));
  await linkAirstep(out);
  await writeFile(join(out, 'too_many.ts'), TOO_MANY);
  const commands = {
    validateDags: ['validate', '--json'],
    validateMixed: ['validate', MIXED],
    compile: ['compile', 'dags/examples/weather_etl.ts', '--out', join(out, 'text')],
    compileJson: ['compile', 'dags/examples/task_groups.ts', '--out', join(out, 'json'), '--json'],
    compileMapped: ['compile', 'dags/examples/dynamic_mapping.ts', '--out', join(out, 'mapped')],
    compileMappedJson: ['compile', 'dags/examples/dynamic_mapping.ts', '--out', join(out, 'mapped'), '--json'],
    compileTooMany: ['compile', join(out, 'too_many.ts'), '--out', join(out, 'refused')],
    graphText: ['graph', 'dags/examples/task_groups.ts'],
    graphMermaid: ['graph', 'dags/examples/task_groups.ts', '--format', 'mermaid'],
    graphDot: ['graph', 'dags/examples/weather_etl.ts', '--format', 'dot'],
    graphJson: ['graph', 'dags/examples/weather_etl.ts', '--json'],
    list: ['list', MIXED],
    listJson: ['list', MIXED, '--json'],
  } as const;
  const results = await Promise.all(Object.values(commands).map((args) => airstep(...args)));
  runs = Object.fromEntries(Object.keys(commands).map((name, index) => [name, results[index]!])) as typeof runs;
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const golden = (name: string) => readFileSync(`test/golden/${name}`, 'utf8');

describe('Command: airstep validate', () => {
  it('exits 0 on the example DAGs; --json prints one document with every file and its DAGs', async () => {
    const { code, stdout, stderr } = runs.validateDags;
    const report = JSON.parse(stdout) as { ok: boolean; files: Array<{ file: string; dags: string[]; problems: [] }> };
    expect([code, stderr, report.ok]).toEqual([0, '', true]);
    expect(report.files.map((file) => file.file)).toEqual(await dagFilesUnder('dags'));
    expect(report.files.flatMap((file) => file.problems)).toEqual([]);
    expect(report.files.flatMap((file) => file.dags)).toContain('weather_etl');
  });

  it('exits 1 on a folder with broken files: problems on stderr, the good files still validated', () => {
    const { code, stdout, stderr } = runs.validateMixed;
    expect(code).toBe(1);
    expect(stderr).toBe(MIXED_PROBLEMS.map((problem) => `    ${problem}\n`).join(''));
    expect(stdout).toBe(
      [
        `✓ ${MIXED}/daily_report.ts mixed_daily_report`,
        `✓ ${MIXED}/hourly_sync.ts mixed_hourly_sync`,
        `✗ ${MIXED}/misconfigured.ts `,
        `✗ ${MIXED}/weekly_cleanup.ts mixed_weekly_cleanup`,
        '4 file(s), 3 DAG(s), 2 problem(s)',
        '',
      ].join('\n'),
    );
  });
});

describe('Command: airstep compile', () => {
  it('writes <dag_id>.asl.json and <dag_id>.manifest.json, byte for byte the golden files', async () => {
    expect(runs.compile.code).toBe(0);
    const dir = join(out, 'text');
    expect((await readdir(dir)).sort()).toEqual(['weather_etl.asl.json', 'weather_etl.manifest.json']);
    expect(await readFile(join(dir, 'weather_etl.asl.json'), 'utf8')).toBe(golden('weather_etl.asl.json'));
    expect(await readFile(join(dir, 'weather_etl.manifest.json'), 'utf8')).toBe(golden('weather_etl.manifest.json'));
  });

  it('prints states, definition size and transitions per run and per task', () => {
    const { stats } = JSON.parse(golden('weather_etl.manifest.json')) as DagManifest;
    const dir = join(out, 'text');
    expect(runs.compile.stdout).toBe(
      [
        `weather_etl: 3 tasks, ${stats.states} states, ${stats.definitionBytes} bytes, ` +
          `${stats.transitions.total} transitions per run (${(stats.transitions.total / 3).toFixed(2)} per task)`,
        `  extract    ${stats.transitions.perTask.extract!.transitions}`,
        `  load       ${stats.transitions.perTask.load!.transitions}`,
        `  transform  ${stats.transitions.perTask.transform!.transitions}`,
        `  (run overhead: ${stats.transitions.overhead}; about ${stats.transitions.historyEvents} history events)`,
        `wrote ${dir}/weather_etl.asl.json and ${dir}/weather_etl.manifest.json`,
        '',
      ].join('\n'),
    );
  });

  it('--json prints one document with the figures and the files written', async () => {
    const { code, stdout } = runs.compileJson;
    const { stats } = JSON.parse(golden('task_groups.manifest.json')) as DagManifest;
    const dir = join(out, 'json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      ok: true,
      problems: [],
      dags: [
        {
          dagId: 'task_groups',
          tasks: 7,
          states: stats.states,
          definitionBytes: stats.definitionBytes,
          transitions: stats.transitions,
        },
      ],
      written: [
        {
          dagId: 'task_groups',
          asl: join(dir, 'task_groups.asl.json'),
          manifest: join(dir, 'task_groups.manifest.json'),
        },
      ],
    });
    expect(await readFile(join(dir, 'task_groups.asl.json'), 'utf8')).toBe(golden('task_groups.asl.json'));
  });
});

describe('Command: airstep compile (mapped tasks)', () => {
  it('prints the history events of each mapped task’s items, says which count is unknown and which task writes the most', () => {
    const { stats } = JSON.parse(golden('dynamic_mapping.manifest.json')) as DagManifest;
    const dir = join(out, 'mapped');
    expect(runs.compileMapped.code).toBe(0);
    expect(runs.compileMapped.stdout).toBe(
      [
        `dynamic_mapping: 4 tasks, ${stats.states} states, ${stats.definitionBytes} bytes, 14 transitions per run (3.50 per task)`,
        '  combine            1',
        '  list_partitions    1',
        '  notify_channels    4 + 1 per item',
        '  process_partition  3 + 1 per item',
        '  (run overhead: 3; about 62 history events)',
        '  history events of mapped items (a run holds at most 25000; items × events per item):',
        '    notify_channels    2 items (literal) × 8 = 16 events (the most)',
        '    process_partition  unknown item count: 8 events per item, counted for one item (set expectedItems)',
        '  mapped tasks run as:',
        "    notify_channels    inline: 2 items × 8 events = 16 history events inline; the run's 62 fit the 25000 it holds",
        '    process_partition  inline: unknown item count (set expectedItems): 8 events per item, counted for one; ' +
          "the run's 62 fit the 25000 it holds",
        `wrote ${dir}/dynamic_mapping.asl.json and ${dir}/dynamic_mapping.manifest.json`,
        '',
      ].join('\n'),
    );
  });

  it('--json carries the per-item figures and the mapped task that writes the most', () => {
    const { stats } = JSON.parse(golden('dynamic_mapping.manifest.json')) as DagManifest;
    const [summary] = (JSON.parse(runs.compileMappedJson.stdout) as { dags: Array<Record<string, unknown>> }).dags;
    expect(summary).toMatchObject({ dagId: 'dynamic_mapping', transitions: stats.transitions });
    expect(summary!.dominantMapping).toBe('notify_channels');
    expect(summary!.mapModes).toEqual({
      notify_channels: {
        mode: 'inline',
        reason: "2 items × 8 events = 16 history events inline; the run's 62 fit the 25000 it holds",
      },
      process_partition: {
        mode: 'inline',
        reason:
          "unknown item count (set expectedItems): 8 events per item, counted for one; the run's 62 fit the 25000 it holds",
      },
    });
    expect(stats.transitions.mapped).toEqual({
      notify_channels: { itemsFrom: 'literal', items: 2, eventsPerItem: 8, historyEvents: 16 },
      process_partition: { itemsFrom: 'unknown', eventsPerItem: 8, historyEvents: 8 },
    });
  });

  it('compiles a 10,000-item mapping as a Distributed Map, and says why', async () => {
    const { code, stdout } = runs.compileTooMany;
    expect(code).toBe(0);
    expect(stdout).toContain(
      '  mapped tasks run as:\n    each  distributed: 10000 items × 8 events = 80000 history events inline: a run ' +
        'holds 25000, so each item runs as a child execution with its own history\n',
    );
    const asl = JSON.parse(await readFile(join(out, 'refused', 'too_many.asl.json'), 'utf8'));
    expect(asl.States.each.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  });
});

describe('Command: airstep graph', () => {
  it('draws a tree by default, each task once, with its groups in its id', () => {
    expect(runs.graphText.code).toBe(0);
    expect(runs.graphText.stdout).toBe(
      [
        'task_groups  (@daily, UTC)',
        'start (empty)',
        '├─ extract.customers (code)',
        '│  └─ transform.clean (code) ↑ after extract.customers, extract.orders',
        '│     ├─ transform.checks.nulls (code)',
        '│     │  └─ publish (code) ↑ after transform.checks.nulls, transform.checks.row_counts',
        '│     └─ transform.checks.row_counts (code)',
        '│        └─ publish …',
        '└─ extract.orders (code)',
        '   └─ transform.clean …',
        '',
      ].join('\n'),
    );
  });

  it('--format mermaid draws task groups as nested subgraphs and every edge', () => {
    expect(runs.graphMermaid.code).toBe(0);
    const lines = runs.graphMermaid.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 14)).toEqual([
      'flowchart LR',
      '  subgraph extract["extract"]',
      '    extract_customers["extract.customers"]',
      '    extract_orders["extract.orders"]',
      '  end',
      '  subgraph transform["transform"]',
      '    subgraph transform_checks["transform.checks"]',
      '      transform_checks_nulls["transform.checks.nulls"]',
      '      transform_checks_row_counts["transform.checks.row_counts"]',
      '    end',
      '    transform_clean["transform.clean"]',
      '  end',
      '  publish["publish"]',
      '  start["start"]',
    ]);
    expect(lines.slice(14).sort()).toEqual([
      '  extract_customers --> transform_clean',
      '  extract_orders --> transform_clean',
      '  start --> extract_customers',
      '  start --> extract_orders',
      '  transform_checks_nulls --> publish',
      '  transform_checks_row_counts --> publish',
      '  transform_clean --> transform_checks_nulls',
      '  transform_clean --> transform_checks_row_counts',
    ]);
  });

  it('--format dot writes a Graphviz digraph', () => {
    expect(runs.graphDot.code).toBe(0);
    expect(runs.graphDot.stdout).toBe(
      [
        'digraph "weather_etl" {',
        '  rankdir=LR;',
        '  node [shape=box, style=rounded];',
        '  "extract";',
        '  "load";',
        '  "transform";',
        '  "transform" -> "load";',
        '  "extract" -> "transform";',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('--json prints one document with tasks and edges', () => {
    expect(runs.graphJson.code).toBe(0);
    expect(JSON.parse(runs.graphJson.stdout)).toEqual([
      {
        dagId: 'weather_etl',
        tasks: [
          { id: 'extract', kind: 'code', groups: [] },
          { id: 'load', kind: 'code', groups: [] },
          { id: 'transform', kind: 'code', groups: [] },
        ],
        edges: [
          ['transform', 'load'],
          ['extract', 'transform'],
        ],
      },
    ]);
  });
});

describe('Command: airstep list', () => {
  it('lists DAGs with schedule, task count, pause, last and next run and file, flags problems, and exits 1 on an import error', () => {
    const { code, stdout } = runs.list;
    expect(code).toBe(1);
    // The next run depends on today: its time is replaced by one of the same width.
    expect(stdout.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00/g, '<next run, 25 characters>')).toBe(
      [
        'dag_id                schedule            tasks  paused  last_run         next_run                   file',
        `mixed_daily_report    @daily                  2  no      -                <next run, 25 characters>  ${MIXED}/daily_report.ts`,
        `mixed_hourly_sync     @hourly                 1  no      -                <next run, 25 characters>  ${MIXED}/hourly_sync.ts`,
        `mixed_weekly_cleanup  @weekly                 2  no      -                <next run, 25 characters>  ${MIXED}/weekly_cleanup.ts (1 problem(s))`,
        `import error: ${MIXED}/misconfigured.ts:4: import failed: Unexpected token '}', "{ "tables": [ }" is not valid JSON`,
        '',
      ].join('\n'),
    );
  });

  it('--json prints one document with the DAGs and the import errors', () => {
    const { code, stdout } = runs.listJson;
    const listed = JSON.parse(stdout);
    expect(code).toBe(1);
    expect(
      listed.dags.map((d: { dagId: string; tasks: number; problems: number }) => [d.dagId, d.tasks, d.problems]),
    ).toEqual([
      ['mixed_daily_report', 2, 0],
      ['mixed_hourly_sync', 1, 0],
      ['mixed_weekly_cleanup', 2, 1],
    ]);
    expect(listed.importErrors).toEqual([
      {
        file: `${MIXED}/misconfigured.ts`,
        line: 4,
        message: `import failed: Unexpected token '}', "{ "tables": [ }" is not valid JSON`,
      },
    ]);
  });
});
