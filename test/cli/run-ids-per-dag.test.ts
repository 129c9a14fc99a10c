import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lib/local/local-store.ts';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * Run ids are unique per DAG only, locally as in the cloud: after `airstep dev` several DAGs have a run
 * `scheduled__<the same date>`. Every local command taking a run id refuses an id or prefix that several runs
 * share (exit 2, the matches listed, nothing changed) and takes `--dag` to say which.
 */
const SHARED = 'scheduled__2026-12-05T00:00:00+00:00';
let project: ScratchProject;

const record = (dagId: string, runId: string, startedAt: string): RunRecord => ({
  dagId,
  runId,
  runType: 'scheduled',
  logicalDate: '2026-12-05T00:00:00.000Z',
  file: `dags/${dagId}.ts`,
  state: 'success',
  startedAt,
  conf: {},
  pid: 1,
  clockSpeed: 1,
});

beforeAll(async () => {
  project = await scratchProject('run-ids-per-dag');
  const { store } = project;
  for (const [index, dagId] of ['alpha', 'beta', 'gamma'].entries()) {
    await store.saveRun(record(dagId, SHARED, `2026-12-06T00:00:0${index}.000Z`));
    await store.saveTasks(dagId, SHARED, [{ taskId: 'say', mapIndex: -1, state: 'success', tries: 1 }]);
    await store.appendLog(dagId, SHARED, 'say', -1, 1, [`hello from ${dagId}`]);
  }
  // Two runs of one DAG that share a prefix.
  await store.saveRun(record('alpha', 'manual__2026-12-05T10:00:00+00:00', '2026-12-06T01:00:00.000Z'));
  await store.saveRun(record('alpha', 'manual__2026-12-05T11:00:00+00:00', '2026-12-06T02:00:00.000Z'));
});
afterAll(async () => {
  await project?.remove();
});

describe('local run ids are per DAG', () => {
  it('refuses a run id several DAGs share, in every command taking one, listing the matches (exit 2)', async () => {
    const before = await project.storeFiles();
    const answers = await Promise.all([
      project.airstep('tasks', SHARED),
      project.airstep('logs', SHARED, 'say'),
      project.airstep('note', SHARED, 'a note'),
      project.airstep('mark', SHARED, 'failed'),
      project.airstep('clear', SHARED),
    ]);
    for (const answer of answers) {
      expect(answer.code).toBe(2);
      expect(answer.stderr).toContain(
        `'${SHARED}' matches 3 runs of .airstep: gamma › ${SHARED}, beta › ${SHARED}, alpha › ${SHARED}; ` +
          'give the whole run id, or --dag',
      );
    }
    expect(await project.storeFiles()).toEqual(before);
  });

  it('refuses a prefix several runs of one DAG share, even with --dag', async () => {
    const tasks = await project.airstep('tasks', 'manual__2026-12-05', '--dag', 'alpha');
    expect(tasks.code).toBe(2);
    expect(tasks.stderr).toContain(
      "'manual__2026-12-05' matches 2 runs of alpha in .airstep: alpha › manual__2026-12-05T11:00:00+00:00, " +
        'alpha › manual__2026-12-05T10:00:00+00:00',
    );
  });

  it('with --dag, reads that DAG’s run', async () => {
    const [tasks, logs] = await Promise.all([
      project.airstep('tasks', SHARED, '--dag', 'beta', '--json'),
      project.airstep('logs', SHARED, 'say', '--dag', 'gamma'),
    ]);
    expect(tasks.code).toBe(0);
    expect(JSON.parse(tasks.stdout)).toMatchObject({ run: { dagId: 'beta', runId: SHARED } });
    expect(logs).toMatchObject({ code: 0, stdout: 'hello from gamma\n' });
    const note = await project.airstep('note', SHARED, 'checked', '--dag', 'alpha');
    expect(note.code).toBe(0);
    expect((await project.store.runs('alpha')).find((run) => run.runId === SHARED)?.note).toBe('checked');
    expect((await project.store.runs('beta'))[0]?.note).toBeUndefined();
  });
});
