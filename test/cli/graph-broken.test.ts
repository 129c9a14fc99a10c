import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

let project: ScratchProject;
let expected: Record<string, string[]>;
beforeAll(async () => {
  project = await scratchProject('graph-broken');
  expected = JSON.parse(await readFile('test/fixtures/bad-dags/expected.json', 'utf8')) as Record<string, string[]>;
});
afterAll(async () => {
  await project?.remove();
});

/** The bad-DAG corpus's messages for a fixture, its path given absolute (as the CLI is given it here). */
const messagesOf = (name: string) =>
  expected[name]!.map((message) =>
    message.replace(`test/fixtures/bad-dags/${name}`, resolve('test/fixtures/bad-dags', name)),
  );

describe('airstep graph on a broken DAG', () => {
  it.each(['cycle.ts', 'unknown_upstream_id.ts'])('%s: exits 1 with the problems, draws nothing', async (name) => {
    const file = resolve('test/fixtures/bad-dags', name);
    const drawn = await project.airstep('graph', file);
    expect(drawn.code).toBe(1);
    expect(drawn.stdout).toBe('');
    expect(drawn.stderr).toBe(`${messagesOf(name).join('\n')}\n`);

    const json = await project.airstep('graph', file, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ problems: messagesOf(name) });
  });
});
