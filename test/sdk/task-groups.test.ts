import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dag } from '../../lib/index.ts';
import { edgesOf, noop, problemsOf } from './dag-edges.ts';

describe('Class: TaskGroup', () => {
  it('prefixes task ids with the group id, nested groups with the whole path', () => {
    const d = dag({ id: 'groups' });
    let innerId = '';
    const outer = d.group('transform', (g) => {
      g.task('clean', noop);
      const inner = g.group('checks', (checks) => {
        checks.task('nulls', noop);
      });
      innerId = inner.id;
    });

    const ir = compileDag(d).ir;
    expect(outer.id).toBe('transform');
    expect(innerId).toBe('transform.checks');
    expect(ir.tasks.map((task) => [task.id, task.groups])).toEqual([
      ['transform.checks.nulls', ['transform', 'transform.checks']],
      ['transform.clean', ['transform']],
    ]);
    expect(ir.groups).toEqual([{ id: 'transform' }, { id: 'transform.checks', parent: 'transform' }]);
  });

  it('keeps ids unprefixed with prefixGroupId: false, but still groups the tasks', () => {
    const d = dag({ id: 'unprefixed' });
    d.group('extract', { prefixGroupId: false }, (g) => {
      g.task('customers', noop);
    });
    expect(compileDag(d).ir.tasks.map((task) => [task.id, task.groups])).toEqual([['customers', ['extract']]]);
  });

  it('layers defaults: DAG defaultArgs, then the group, then nested groups, then the task itself', () => {
    const d = dag({ id: 'defaults', defaultArgs: { retries: 1, queue: 'dag_queue', retryDelay: '1 minute' } });
    d.task('plain', noop);
    d.group('extract', { defaultArgs: { retries: 3, pool: 'api' } }, (g) => {
      g.task('inherits', noop);
      g.task('overrides', { retries: 5 }, noop);
      g.group('inner', { defaultArgs: { queue: 'inner_queue' } }, (inner) => {
        inner.task('deep', noop);
      });
    });

    const byId = new Map(compileDag(d).ir.tasks.map((task) => [task.id, task]));
    const view = (id: string) => {
      const task = byId.get(id)!;
      return [task.retry.retries, task.retry.delaySeconds, task.queue, task.pool?.name];
    };
    expect(view('plain')).toEqual([1, 60, 'dag_queue', undefined]);
    expect(view('extract.inherits')).toEqual([3, 60, 'dag_queue', 'api']);
    expect(view('extract.overrides')).toEqual([5, 60, 'dag_queue', 'api']);
    expect(view('extract.inner.deep')).toEqual([3, 60, 'inner_queue', 'api']);
  });

  it('as a dependency stands for its first tasks downstream and its last tasks upstream', () => {
    const d = dag({ id: 'group_edges' });
    const start = d.empty('start');
    const group = d.group('work', (g) => {
      const a = g.task('a', noop);
      const b = g.task('b', noop);
      const c = g.task('c', noop);
      a.then([b, c]);
    });
    const end = d.empty('end');
    start.then(group);
    group.then(end);

    expect(edgesOf(d)).toEqual([
      'start -> work.a',
      'work.a -> work.b',
      'work.a -> work.c',
      'work.b -> end',
      'work.c -> end',
    ]);
  });

  it('is accepted by after(), chain() and the upstream option, as a task is', () => {
    const d = dag({ id: 'group_everywhere' });
    const load = d.group('load', (g) => {
      g.task('orders', noop);
      g.task('customers', noop);
    });
    d.task('report', { upstream: load }, noop);
    d.task('audit', noop).after(load);
    expect(edgesOf(d)).toEqual([
      'load.customers -> audit',
      'load.customers -> report',
      'load.orders -> audit',
      'load.orders -> report',
    ]);
  });

  it('reports a group id that is already a task id, and a dependency on a group without tasks', () => {
    const d = dag({ id: 'group_mistakes' });
    d.task('extract', noop);
    d.group('extract', (g) => {
      g.task('orders', noop);
    });
    const empty = d.group('checks', () => {});
    d.task('publish', noop).after(empty);

    expect(problemsOf(d)).toEqual([
      "dag group_mistakes › task extract › id: duplicate task or group id 'extract'",
      "dag group_mistakes › task publish › upstream: group 'checks' has no tasks to depend on",
    ]);
  });
});
