import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileFiles } from '../../lib/cli/compile-files.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';

const DIR = 'test/fixtures/bad-dags';
/** Every broken file with the exact messages `airstep validate` must print for it (reviewed by hand). */
const expected = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8')) as Record<string, string[]>;
const files = readdirSync(DIR)
  .filter((name) => name.endsWith('.ts'))
  .sort();

describe('Bad DAG corpus', () => {
  it('holds at least 30 broken files, each with its expected messages', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  it.each(files)('%s: reports exactly the expected problems, naming file, DAG, task and field', async (name) => {
    const [file] = await compileFiles([`${DIR}/${name}`]);
    expect(file!.problems.map(formatProblem)).toEqual(expected[name]);
    // Nothing broken is ever handed on to deploy.
    for (const compiled of file!.compiled) if (compiled.problems.length > 0) expect(compiled.asl).toBeUndefined();
  });

  it('a broken file never stops the good ones beside it from compiling', async () => {
    const results = await compileFiles([
      `${DIR}/throws_at_import.ts`,
      'dags/examples/branching.ts',
      `${DIR}/cycle.ts`,
      'dags/examples/weather_etl.ts',
    ]);
    const good = results.flatMap((file) => file.compiled.filter((dag) => dag.problems.length === 0));
    expect(good.map((dag) => dag.ir.dagId).sort()).toEqual(['branching', 'weather_etl']);
    expect(good.every((dag) => dag.asl !== undefined)).toBe(true);
    expect(results.flatMap((file) => file.problems).length).toBe(2);
  });

  it('airstep validate exits 1 and reports every problem', async () => {
    const run = promisify(execFile);
    const failure = await run(
      process.execPath,
      ['bin/airstep.js', 'validate', `${DIR}/cycle.ts`, `${DIR}/bad_cron.ts`],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    ).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain(expected['cycle.ts']![0]);
    expect(failure?.stdout).toContain(expected['bad_cron.ts']![0]);
  });
});
