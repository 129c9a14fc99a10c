import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileFiles } from '../../lib/cli/compile-files.ts';
import { isDagFileName } from '../../lib/cli/load-dags.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dag } from '../../lib/index.ts';
import { formatProblem, type Problem } from '../../lib/sdk/errors.ts';
import { linkAirstep } from '../helpers/scratch-project.ts';

const run = promisify(execFile);

const DIR = 'test/fixtures/bad-dags';
/** Every broken file with the exact messages `airstep validate` must print for it (reviewed by hand). */
const expected = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8')) as Record<string, string[]>;
const files = readdirSync(DIR).filter(isDagFileName).sort();

const SYNTAX_ERROR =
  "import { dag } from 'airstep';\n\nconst d = dag({ id: 'unclosed' });\nd.task('a', async () => { return 1 );\n";

/**
 * The corpus goes through `airstep validate --json` in a child process: the CLI's own module loader (tsx) imports
 * each file, so import failures read exactly as users see them (vitest's loader words some of them differently).
 * One process for all of it, plus a syntax error written to a scratch folder (a fixture would break tsc and lint).
 */
async function validateCorpus(): Promise<{ code: number; byFile: Map<string, string[]>; syntaxFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-bad-dag-'));
  await linkAirstep(dir);
  try {
    const syntaxFile = join(dir, 'unclosed.ts');
    await writeFile(syntaxFile, SYNTAX_ERROR);
    const result = await run(process.execPath, ['bin/airstep.js', 'validate', '--json', DIR, syntaxFile]).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => error,
    );
    const report = JSON.parse(result.stdout) as { files: Array<{ file: string; problems: Problem[] }> };
    return {
      code: result.code,
      syntaxFile,
      byFile: new Map(report.files.map((file) => [file.file, file.problems.map(formatProblem)])),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('Bad DAG corpus', () => {
  let validated: Awaited<ReturnType<typeof validateCorpus>>;
  beforeAll(async () => {
    validated = await validateCorpus();
  });

  it('holds at least 30 broken files, each with the messages it must give', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).sort()).toEqual(files);
    for (const name of files) expect(expected[name]!.length, name).toBeGreaterThan(0);
  });

  it('validate loads every file of the folder and fails', () => {
    expect(validated.code).toBe(1);
    expect([...validated.byFile.keys()]).toEqual([...files.map((name) => `${DIR}/${name}`), validated.syntaxFile]);
  });

  it.each(files)('%s: reports exactly the expected problems, naming file, DAG, task and field', (name) => {
    expect(validated.byFile.get(`${DIR}/${name}`)).toEqual(expected[name]);
  });

  it('reports a syntax error with its file and line', () => {
    expect(validated.byFile.get(validated.syntaxFile)).toEqual([
      `${validated.syntaxFile}:4 › import failed: syntax error: Expected ";" but found ")"`,
    ]);
  });

  it('never hands a broken DAG on to deploy (in process, through load-dags and compileDag)', async () => {
    const results = await compileFiles([DIR]);
    const compiled = results.flatMap((file) => file.compiled);
    expect(compiled.length).toBeGreaterThan(40);
    for (const result of compiled) {
      if (result.problems.length > 0) expect([result.ir.dagId, result.asl]).toEqual([result.ir.dagId, undefined]);
    }
    // Every DAG a corpus file exports is broken, except where the mistake is between two DAGs of a file: a task
    // borrowed from another DAG, a DAG id used twice (compile-files reports that one for the file).
    const accepted = compiled.filter((result) => result.problems.length === 0).map((result) => result.ir.dagId);
    expect(accepted.sort()).toEqual(['cross_dag_first', 'twice', 'twice']);
  });
});

describe('A broken DAG file never breaks the others', () => {
  it('validates every good DAG of a folder that also holds broken files', async () => {
    const results = await compileFiles(['test/fixtures/mixed-dags']);
    expect(results.map((file) => [file.file, file.problems.map(formatProblem)])).toEqual([
      ['test/fixtures/mixed-dags/daily_report.ts', []],
      ['test/fixtures/mixed-dags/hourly_sync.ts', []],
      [
        'test/fixtures/mixed-dags/misconfigured.ts',
        [
          `test/fixtures/mixed-dags/misconfigured.ts:4 › import failed: Unexpected token '}', "{ "tables": [ }" is not valid JSON`,
        ],
      ],
      [
        'test/fixtures/mixed-dags/weekly_cleanup.ts',
        [
          'test/fixtures/mixed-dags/weekly_cleanup.ts › dag mixed_weekly_cleanup › task list › upstream: dependency cycle: list -> remove -> list',
        ],
      ],
    ]);
    const good = results.flatMap((file) => file.compiled.filter((compiled) => compiled.problems.length === 0));
    expect(good.map((compiled) => compiled.ir.dagId)).toEqual(['mixed_daily_report', 'mixed_hourly_sync']);
    for (const compiled of good) {
      expect(JSON.parse(compiled.asl!).StartAt).toBeTypeOf('string');
      expect(compiled.manifest!.dagId).toBe(compiled.ir.dagId);
    }
  });

  it('a broken file listed between good ones leaves them compiled', async () => {
    const results = await compileFiles([
      `${DIR}/throws_at_import.ts`,
      'dags/examples/branching.ts',
      `${DIR}/cycle.ts`,
      'dags/examples/weather_etl.ts',
    ]);
    const good = results.flatMap((file) => file.compiled.filter((compiled) => compiled.problems.length === 0));
    expect(good.map((compiled) => compiled.ir.dagId).sort()).toEqual(['branching', 'weather_etl']);
    expect(good.every((compiled) => compiled.asl !== undefined)).toBe(true);
    expect(results.flatMap((file) => file.problems.map(formatProblem))).toEqual([
      ...expected['throws_at_import.ts']!,
      ...expected['cycle.ts']!,
    ]);
  });

  it('the compiler turns an unexpected failure into a problem of that DAG instead of throwing', () => {
    const d = dag({ id: 'getter_throws' });
    d.task('a', async () => 1);
    Object.defineProperty(d.options, 'tags', {
      get() {
        throw new Error('tags are read from a closed connection');
      },
    });
    const result = compileDag(d, { file: 'dags/getter_throws.ts' });
    expect(result.problems.map(formatProblem)).toEqual([
      'dags/getter_throws.ts › dag getter_throws › could not compile: tags are read from a closed connection',
    ]);
    expect(result.asl).toBeUndefined();
  });
});
