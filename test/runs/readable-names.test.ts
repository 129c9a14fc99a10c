import { describe, expect, it } from 'vitest';
import { stateNames } from '../../lib/compiler/state-names.ts';
import { executionName } from '../../lib/runs/execution-name.ts';
import { compileExamples } from '../helpers/example-dags.ts';

/** What a person sees in the Step Functions console: execution names and state names they recognise. */
describe('Names in the Step Functions console', () => {
  it('names an execution after its run: run type, then the logical date with only : and + replaced', () => {
    expect(
      ['scheduled', 'manual', 'backfill'].map((type) => executionName(`${type}__2026-11-23T06:30:00+00:00`)),
    ).toEqual([
      'scheduled__2026-11-23T06_30_00_00_00',
      'manual__2026-11-23T06_30_00_00_00',
      'backfill__2026-11-23T06_30_00_00_00',
    ]);
  });

  it('names each task’s own state by its task id (group path included), in every example DAG', async () => {
    const examples = await compileExamples();
    expect(examples.length).toBeGreaterThan(5);
    for (const { compiled } of examples) {
      const manifest = compiled.manifest!;
      for (const task of manifest.tasks) expect(task.stateName, `${manifest.dagId} › ${task.id}`).toBe(task.id);
      // Every other state is a task's state with a suffix saying what it does, or one of the run's own.
      const names: string[] = [];
      const collect = (
        states: Record<string, { Branches?: Array<{ States: object }>; ItemProcessor?: { States: object } }>,
      ) => {
        for (const [name, state] of Object.entries(states)) {
          names.push(name);
          for (const branch of state.Branches ?? []) collect(branch.States as never);
          if (state.ItemProcessor !== undefined) collect(state.ItemProcessor.States as never);
        }
      };
      collect(compiled.definition!.States as never);
      // A DAG split into a parent and children: the children's states too.
      for (const child of compiled.children ?? []) collect(child.definition.States as never);
      const ids = manifest.tasks.map((task) => task.id);
      const unrecognised = names.filter((name) => {
        // A Parallel is named after the first task it runs, numbered when several start with it.
        const base = name.startsWith('parallel:') ? name.slice('parallel:'.length).replace(/~\d+$/, '') : name;
        return (
          !['run:failed', 'run:result', 'run:succeeded', 'run:parts', 'run:part-done'].includes(base) &&
          // A child's start, and what a child that fails on its own leads to (child-failure-states.ts).
          !/^run:part-\d+(:failed|:records|:release)?$/.test(base) &&
          !ids.some((id) => base === id || base.startsWith(`${id}:`))
        );
      });
      expect(unrecognised, manifest.dagId).toEqual([]);
    }
  });

  it('keeps a long task id’s start readable, with a short hash that tells two such ids apart', () => {
    const long = (end: string) => `ingest.customers.${'very_long_segment_'.repeat(4)}${end}`;
    const names = stateNames([long('a'), long('b'), 'load']);
    expect(names.get('load')).toBe('load');
    const [a, b] = [names.get(long('a'))!, names.get(long('b'))!];
    expect(a.startsWith('ingest.customers.very_long_segment_')).toBe(true);
    expect(a).toMatch(/~[0-9a-f]{7}$/);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(60);
  });
});
