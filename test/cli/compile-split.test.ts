import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `airstep compile` of a DAG too big for one state machine (dags/examples/dbt_like_models.ts, 1,200 tasks): it
 * says "split into N machines" and why, in text and `--json`, and writes each child's ASL beside the parent's.
 */
interface Run {
  readonly code: number;
  readonly stdout: string;
}

function airstep(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/airstep.js', ...args],
      { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }),
    );
  });
}

const FILE = 'dags/examples/dbt_like_models.ts';
let out: string;
let text: Run;
let json: Run;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'airstep-split-'));
  [text, json] = await Promise.all([
    airstep('compile', FILE, '--out', join(out, 'text')),
    airstep('compile', FILE, '--out', join(out, 'json'), '--json'),
  ]);
}, 180_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('Command: airstep compile (a DAG split into a parent and children)', () => {
  it('says how many machines and why, and each child’s figures', () => {
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^dbt_like_models: 1200 tasks, \d+ states, \d+ bytes, \d+ transitions per run/);
    expect(lines[1]).toMatch(
      /^ {2}split into (\d+) machines \(a parent and \d+ children, cut by the graph\): one definition would be \d+ bytes \(split above 891289; Step Functions takes at most 1048576\)$/,
    );
    const children = Number(/a parent and (\d+) children/.exec(lines[1]!)![1]);
    expect(
      lines
        .slice(2, 2 + children)
        .every((line) => /^ {4}part-\d\d: \d+ tasks, \d+ states, \d+ bytes, about \d+ history events$/.test(line)),
    ).toBe(true);
  });

  it('--json gives the machines, and the files written include each child’s ASL', async () => {
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    const { machines } = report.dags[0];
    expect(machines.count).toBe(1 + machines.children.length);
    expect(machines.by).toBe('graph');
    expect(machines.why).toMatch(/^one definition would be \d+ bytes/);
    expect(machines.children.reduce((sum: number, child: { tasks: number }) => sum + child.tasks, 0)).toBe(1200);
    const dir = join(out, 'json');
    expect(report.written[0].children).toEqual(
      machines.children.map((child: { name: string }) => join(dir, `dbt_like_models.${child.name}.asl.json`)),
    );
    expect((await readdir(dir)).sort()).toEqual(
      [
        'dbt_like_models.asl.json',
        'dbt_like_models.manifest.json',
        ...machines.children.map((child: { name: string }) => `dbt_like_models.${child.name}.asl.json`),
      ].sort(),
    );
    const first = JSON.parse(await readFile(join(dir, 'dbt_like_models.part-01.asl.json'), 'utf8'));
    expect(first.StartAt).toBeDefined();
  });
});
