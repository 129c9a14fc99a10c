import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAssetEvents } from '../../lib/local/local-asset-events.ts';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * A cleared run's kept tasks record no asset event again; a task the clear runs again records anew, as Airflow's
 * does. The `empty` task `marks` has no try number (its event id is per execution): the clear lists it as kept
 * (`clear.outletsRecorded`), and the ASL's Choice in front of its outlets state and the local recording both pass
 * it by. `asset_outcomes`: `ok` (code) and `marks` (empty) succeed with outlets, `fails` fails, `skips` skips.
 */
let project: ScratchProject;
beforeAll(async () => {
  project = await scratchProject('clear-outlets');
});
afterAll(async () => {
  await project?.remove();
});

const events = async (runId: string) =>
  (await new LocalAssetEvents(project.storeDir).events())
    .filter((event) => event.sourceRunId === runId)
    .map((event) => [event.sourceTaskId, event.uri])
    .sort();

describe('airstep clear and outlets (local)', () => {
  it('records nothing again for kept tasks (code and empty), and anew for a task the clear runs again', async () => {
    const ran = await project.airstep('run', resolve('test/fixtures/local/asset_outcomes.ts'), '--json');
    const runId = (JSON.parse(ran.stdout) as { run: { runId: string } }).run.runId;
    const first = [
      ['marks', 's3://t/both'],
      ['ok', 's3://t/both'],
      ['ok', 's3://t/ok'],
    ];
    expect(await events(runId)).toEqual(first);

    // The default clear re-runs the failed task only: `ok` and `marks` are kept.
    const kept = await project.airstep('clear', runId, '--dag', 'asset_outcomes', '--json');
    expect(kept.stderr).toBe('');
    expect((JSON.parse(kept.stdout) as { cleared: string[] }).cleared).toEqual(['fails']);
    expect(await events(runId)).toEqual(first);

    // Cleared by name, the empty task runs again and records again.
    const again = await project.airstep('clear', runId, '--dag', 'asset_outcomes', '--task', '^marks$', '--json');
    expect(again.stderr).toBe('');
    expect((JSON.parse(again.stdout) as { cleared: string[] }).cleared).toEqual(['marks']);
    expect(await events(runId)).toEqual([['marks', 's3://t/both'], ...first]);
  }, 180_000);
});
