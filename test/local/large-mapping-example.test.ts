import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import large from '../../dags/examples/large_mapping.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { LocalXComStore } from '../../lib/local/local-xcom-store.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { manualContext } from '../helpers/run-context.ts';

describe('Example: large_mapping (a Distributed Map)', () => {
  it('compiles process_object distributed, by its expectedItems', () => {
    const { manifest, problems } = compileDag(large);
    expect(problems).toEqual([]);
    expect(manifest!.stats.transitions.mapped?.process_object).toMatchObject({
      items: 100_000,
      distributed: 'history',
    });
  });

  it('runs locally: every object processed, the summary over all of them in order', async () => {
    const root = await mkdtemp(join(tmpdir(), 'airstep-large-mapping-'));
    try {
      const { execution, tasks } = await runDagLocally({
        dag: large,
        ctx: manualContext(large),
        xcom: new LocalXComStore(root),
      });
      expect(execution.status).toBe('SUCCEEDED');
      const items = tasks.filter((task) => task.taskId === 'process_object' && task.mapIndex >= 0);
      expect(items).toHaveLength(200);
      expect(items.every((task) => task.state === 'success')).toBe(true);
      let bytes = 0;
      for (let index = 0; index < 200; index++) bytes += 1000 + (index % 97);
      expect(tasks.find((task) => task.taskId === 'summarize')?.output).toEqual({
        objects: 200,
        processed: 200,
        bytes,
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
