import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

const DAG = resolve('test/fixtures/local/mark_failing.ts');
let project: ScratchProject;
beforeAll(async () => {
  project = await scratchProject('mark-local');
});
afterAll(async () => {
  await project?.remove();
});

/** The CLI in the test's project (its own `.airstep`): exit code and output. */
const airstep = (...args: string[]) => project.airstep(...args);

/** Every run's `run.json` and `tasks.json`, byte for byte: "nothing changed" is checked on them. */
async function storeFiles(): Promise<Record<string, string>> {
  const dir = join(project.storeDir, 'runs', 'mark_failing');
  const files: Record<string, string> = {};
  for (const run of await readdir(dir)) {
    for (const name of ['run.json', 'tasks.json'])
      files[`${run}/${name}`] = await readFile(join(dir, run, name), 'utf8');
  }
  return files;
}

const states = async (runId: string) =>
  Object.fromEntries((await project.store.tasks('mark_failing', runId)).map((task) => [task.taskId, task.state]));
const runState = async (runId: string) =>
  (await project.store.runs('mark_failing')).find((run) => run.runId === runId)?.state;

describe('airstep mark on the local store', () => {
  let runId: string;

  it('marks a failed task success: downstream keep their states, the run stays failed while one is upstream_failed', async () => {
    const run = await airstep('run', DAG, '--date', '2026-11-22', '--json');
    runId = (JSON.parse(run.stdout) as { run: { runId: string } }).run.runId;
    expect(await states(runId)).toEqual({ extract: 'success', load: 'failed', publish: 'upstream_failed' });
    expect(await runState(runId)).toBe('failed');

    const marked = await airstep('mark', runId, 'load', 'success');
    expect(marked.code).toBe(0);
    expect(marked.stdout).toContain('load: failed -> success');
    expect(marked.stdout).toContain('run failed');
    expect(marked.stdout).toContain('downstream tasks keep their states; re-run them with airstep clear');
    expect(await states(runId)).toEqual({ extract: 'success', load: 'success', publish: 'upstream_failed' });
    expect(await runState(runId)).toBe('failed');
  });

  it('marks the whole run success (every instance that did not succeed) and then failed (the run only)', async () => {
    const success = await airstep('mark', runId, 'success', '--json');
    expect(success.code).toBe(0);
    expect(JSON.parse(success.stdout)).toMatchObject({
      changed: ['publish: upstream_failed -> success'],
      runState: 'success',
    });
    expect(await states(runId)).toEqual({ extract: 'success', load: 'success', publish: 'success' });
    expect(await runState(runId)).toBe('success');

    const failed = await airstep('mark', runId, 'failed', '--json');
    expect(JSON.parse(failed.stdout)).toMatchObject({ changed: [], runState: 'failed' });
    expect(await runState(runId)).toBe('failed');

    // Marking the only failed instance success makes the run a success again.
    await airstep('mark', runId, 'load', 'failed');
    expect(await runState(runId)).toBe('failed');
    await airstep('mark', runId, 'load', 'success');
    expect(await runState(runId)).toBe('success');
  });

  it('refuses bad input with exit 2 and changes nothing', async () => {
    const second = await airstep('run', DAG, '--date', '2026-11-23', '--json');
    const secondRun = (JSON.parse(second.stdout) as { run: { runId: string } }).run.runId;
    expect(secondRun).not.toBe(runId);
    const before = await storeFiles();
    const shared = runId.slice(0, runId.indexOf('__') + 2);
    const refused = [
      await airstep('mark', shared, 'load', 'success'), // a prefix both runs share
      await airstep('mark', runId, 'nope', 'success'), // no such task
      await airstep('mark', runId, 'load', 'maybe'), // no such state
      await airstep('mark', 'manual__1999', 'load', 'success'), // no such run
    ];
    expect(refused.map((result) => result.code)).toEqual([2, 2, 2, 2]);
    expect(refused[0]!.stderr).toContain(`'${shared}' matches 2 runs`);
    expect(refused[1]!.stderr).toContain("has no task instance 'nope' (its tasks: extract, load, publish)");
    expect(refused[2]!.stderr).toContain("the state must be success or failed (got 'maybe')");
    expect(refused[3]!.stderr).toContain("no run 'manual__1999'");
    expect(await storeFiles()).toEqual(before);
  });

  it('refuses a running local run: its task tokens live in the engine process', async () => {
    const store = project.store;
    const [ended] = (await store.runs('mark_failing')).filter((run) => run.runId === runId);
    // A run whose engine process is alive (this one) stays `running` when the store is opened.
    await store.saveRun({ ...ended!, state: 'running', pid: process.pid });
    const tasksBefore = await states(runId);
    const refused = await airstep('mark', runId, 'load', 'failed');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is running in a local engine process: its task tokens live in that process');
    expect(await runState(runId)).toBe('running');
    expect(await states(runId)).toEqual(tasksBefore);
  });

  it("marks a failed task with outlets success without recording an asset event (a mark runs no code: Airflow's neither)", async () => {
    const run = await airstep('run', resolve('test/fixtures/local/asset_outcomes.ts'), '--json');
    const ended = JSON.parse(run.stdout) as { run: { runId: string }; assetEvents: Array<{ uri: string }> };
    const uris = (events: Array<{ uri: string }>) => events.map((event) => event.uri).sort();
    expect(uris(ended.assetEvents)).toEqual(['s3://t/both', 's3://t/both', 's3://t/ok']);
    const marked = await airstep('mark', ended.run.runId, 'fails', 'success', '--dag', 'asset_outcomes');
    expect([marked.code, marked.stderr]).toEqual([0, '']);
    expect(marked.stdout).toContain('fails: failed -> success');
    const shown = await airstep('tasks', ended.run.runId, '--dag', 'asset_outcomes', '--json');
    const after = JSON.parse(shown.stdout) as { assetEvents: Array<{ uri: string }> };
    expect(uris(after.assetEvents)).toEqual(['s3://t/both', 's3://t/both', 's3://t/ok']);
  });
});
