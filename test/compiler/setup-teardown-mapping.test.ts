import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { runStateLeaves } from '../../lib/compiler/setup-teardown.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';

const noop = async () => null;
const problemsOf = (d: ReturnType<typeof dag>) => compileDag(d, {}).problems.map(formatProblem);

describe('Compiler: setup and teardown tasks', () => {
  it('adds the setups as upstream tasks of the teardown and fixes its rule to all_done', () => {
    const d = dag({ id: 'st_ir', defaultArgs: { triggerRule: 'none_failed' } });
    const create = d.task('create', { setup: true, triggerRule: 'all_success' }, noop);
    const query = d.task('query', { upstream: create, triggerRule: 'all_success' }, noop);
    d.task('delete', { upstream: query, teardown: { setups: create, onFailureFailDagrun: true } }, noop);
    const { ir, problems } = compileDag(d);
    expect(problems).toEqual([]);
    const del = ir.tasks.find((task) => task.id === 'delete')!;
    expect(del).toMatchObject({
      upstream: ['create', 'query'],
      triggerRule: 'all_done',
      teardown: { setups: ['create'], failsRun: true },
    });
    expect(ir.tasks.find((task) => task.id === 'create')?.setup).toBe(true);
  });

  it("counts a work task below a teardown for the run's state, and the teardown only with onFailureFailDagrun", () => {
    const build = (failsRun: boolean) => {
      const d = dag({ id: `st_leaves_${failsRun}` });
      const create = d.task('create', { setup: true }, noop);
      const query = d.task('query', { upstream: create }, noop);
      d.task('delete', { upstream: query, teardown: { setups: create, onFailureFailDagrun: failsRun } }, noop);
      const { ir } = compileDag(d);
      const downstream = new Map(ir.tasks.map((task) => [task.id, [] as string[]]));
      for (const task of ir.tasks) for (const up of task.upstream) downstream.get(up)!.push(task.id);
      return runStateLeaves(ir.tasks, downstream).map((task) => task.id);
    };
    expect(build(false)).toEqual(['query']);
    expect(build(true)).toEqual(['delete']);
  });

  it("decides the teardown on its setups' states in the compiled Choice", () => {
    const d = dag({ id: 'st_choice' });
    const create = d.task('create', { setup: true }, noop);
    const query = d.task('query', { upstream: create }, noop);
    d.task('delete', { upstream: query, teardown: { setups: create } }, noop);
    const asl = compileDag(d).asl!;
    expect(asl).toContain('"delete:upstream_failed"');
    expect(asl).toContain('"delete:skipped"');
    // The run's result reads the work task, never the teardown.
    const result = JSON.parse(asl).States['run:result'];
    expect(JSON.stringify(result)).toContain('$.tasks.query.state');
    expect(JSON.stringify(result)).not.toContain('$.tasks.delete.state');
  });

  it("hangs a task group's downstream on its work tasks, not its teardown", () => {
    const d = dag({ id: 'st_group' });
    const g = d.group('cluster', (group) => {
      const create = group.task('create', { setup: true }, noop);
      const query = group.task('query', { upstream: create }, noop);
      group.task('delete', { upstream: query, teardown: { setups: create } }, noop);
    });
    const report = d.task('report', noop);
    g.then(report);
    const { ir, problems } = compileDag(d);
    expect(problems).toEqual([]);
    expect(ir.tasks.find((task) => task.id === 'report')?.upstream).toEqual(['cluster.query']);
  });

  it('refuses what Airflow refuses, naming the task and field', () => {
    const d = dag({ id: 'st_bad' });
    const plain = d.task('plain', noop);
    const create = d.task('create', { setup: true }, noop);
    d.task('work', { upstream: create, triggerRule: 'all_done' }, noop);
    d.task('delete', { teardown: { setups: [plain] }, triggerRule: 'all_success' }, noop);
    expect(problemsOf(d)).toEqual([
      "dag st_bad › task delete › triggerRule: a teardown's trigger rule is fixed (Airflow's all_done_setup_success: it runs when its upstream tasks ended, if a setup succeeded); remove triggerRule 'all_success'",
      "dag st_bad › task delete › teardown.setups: 'plain' is not a setup task; declare it with setup: true",
      "dag st_bad › task work › triggerRule: a task right below setup task 'create' must keep the all_success trigger rule (as Airflow requires), got 'all_done'",
    ]);
  });
});

describe('Compiler: expand over named lists and expandKwargs', () => {
  it('builds the cross product in nested Map states before mapping, reading upstream and literal lists', () => {
    const d = dag({ id: 'cp_asl' });
    const regions = d.task('regions', async () => ['eu']);
    d.expand('pair', { over: { region: regions, size: ['s', 'm'] } }, noop);
    const { definition, ir, problems } = compileDag(d);
    expect(problems).toEqual([]);
    expect(ir.tasks.find((task) => task.id === 'pair')?.upstream).toEqual(['regions']);
    const states = definition!.States as unknown as Record<string, Record<string, unknown>>;
    expect(states['pair:items']).toMatchObject({ Result: { lists: { l1: ['s', 'm'] } }, Next: 'pair:product' });
    expect(states['pair:product']).toMatchObject({
      ItemsPath: '$.tasks.regions.output',
      ItemSelector: { 'v0.$': '$$.Map.Item.Value', 'l1.$': '$.tasks.pair.lists.l1' },
      ResultSelector: { 'items.$': '$[*][*]' },
      Next: 'pair',
    });
    expect(states.pair).toMatchObject({ Type: 'Map', ItemsPath: '$.tasks.pair.items' });
  });

  it('refuses list names that are not identifiers, a name both mapped and partial, and a non-list', () => {
    const d = dag({ id: 'cp_bad' });
    d.expand('pair', { over: { 'a-b': [1], x: [1], y: 'nope' as unknown as number[] }, partial: { x: 2 } }, noop);
    expect(problemsOf(d)).toEqual([
      'dag cp_bad › task pair › over.y: must be a list or a task whose result is a list, got string',
      "dag cp_bad › task pair › over.a-b: 'a-b' must be an identifier (letters, digits, _; at most 64)",
      "dag cp_bad › task pair › over.x: 'x' is both mapped and partial; give it in one of them",
    ]);
  });

  it('refuses an expandKwargs literal item that is not an object', () => {
    const d = dag({ id: 'kw_bad' });
    d.expandKwargs('load', { over: [{ a: 1 }, 3 as unknown as { a: number }] }, noop);
    expect(problemsOf(d)).toEqual(['dag kw_bad › task load › over[1]: must be an object of arguments, got number']);
  });
});

describe('Compiler: mapped task groups', () => {
  it('refuses expand in a task group’s options rather than ignore it', () => {
    const d = dag({ id: 'mapped_group' });
    d.group('per_file', { expand: { file: ['a', 'b'] } } as never, (group) => {
      group.task('read', noop);
    });
    expect(problemsOf(d)).toEqual([
      'dag mapped_group › task per_file › expand: mapped task groups are not supported (each item would need the whole group as a Map sub-graph); map a single task with expand, or move the group into one mapped task',
    ]);
  });
});
