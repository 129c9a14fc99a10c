import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { SplitThresholds } from '../../lib/compiler/machine-split.ts';
import type { ExecutionEvent } from '../../lib/local/interpreter.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { type Dag, dag } from '../../lib/sdk/dag.ts';
import { NonRetryableError, SkipError } from '../../lib/sdk/errors.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * A DAG split into a parent and children runs as one machine does: the same run state, every task in the same
 * state with the same output. Each DAG here is small enough for one machine; the compiler's internal `splitAt`
 * splits it anyway (every task its own child at thresholds of 1), and the two runs are compared.
 */
const EVERY_TASK_ITS_OWN: SplitThresholds = { definitionBytes: 1, historyEvents: 1 };
/** Two or three children: a cut through the middle of the graph. */
const A_FEW: SplitThresholds = { definitionBytes: 6_000, historyEvents: 1_000_000 };

const outcome = (tasks: readonly TaskInstance[]) =>
  Object.fromEntries(
    tasks.map((task) => [
      `${task.taskId}[${task.mapIndex}]`,
      { state: task.state, output: task.output, error: task.error, reason: task.reason },
    ]),
  );

async function expectSameAsOneMachine(d: Dag, splitAt: SplitThresholds, children: (n: number) => boolean) {
  const compiled = compileDag(d, { splitAt });
  expect(compiled.problems).toEqual([]);
  expect(children(compiled.children?.length ?? 0), `${d.id}: ${compiled.children?.length} children`).toBe(true);
  expect(compileDag(d).children).toBeUndefined();
  const one = await runDagLocally({ dag: d, ctx: manualContext(d) });
  const split = await runDagLocally({ dag: d, ctx: manualContext(d), splitAt });
  expect(split.execution.status, d.id).toBe(one.execution.status);
  expect(split.execution.error, d.id).toBe(one.execution.error);
  expect(outcome(split.tasks), d.id).toEqual(outcome(one.tasks));
  expect(split.tries.map((t) => `${t.taskId}#${t.tryNumber}`).sort()).toEqual(
    one.tries.map((t) => `${t.taskId}#${t.tryNumber}`).sort(),
  );
  return { one, split };
}

function failingDag(): Dag {
  // A failure crosses the cut: `load` fails, `report` (another child) is upstream_failed, `cleanup` (all_done) runs.
  const d = dag({ id: 'split_failure' });
  const extract = d.task('extract', async () => ({ rows: 3 }));
  const load = d.task('load', { inputs: { extract } }, async (_ctx, { extract }) => {
    throw new NonRetryableError(`refused ${extract.rows} rows`);
  });
  const audit = d.task('audit', { inputs: { extract } }, async (_ctx, { extract }) => `audited ${extract.rows}`);
  d.task('report', { upstream: [load, audit] }, async () => 'never');
  d.task('cleanup', { upstream: [load, audit], triggerRule: 'all_done' }, async () => 'cleaned');
  d.task('on_failure', { upstream: [load], triggerRule: 'one_failed' }, async () => 'paged');
  return d;
}

function skippingDag(): Dag {
  // Branching, short-circuit and a task that skips itself, each read by a task in another child.
  const d = dag({ id: 'split_skips' });
  const choose = d.branch('choose', async () => ['left']);
  const left = d.task('left', async () => 'L').after(choose);
  const right = d.task('right', async () => 'R').after(choose);
  d.task('join', { upstream: [left, right], triggerRule: 'none_failed_min_one_success' }, async () => 'joined');
  const gate = d.shortCircuit('gate', async () => false);
  d.task('gated', async () => 'never').after(gate);
  const lazy = d.task('lazy', async () => {
    throw new SkipError('nothing new');
  });
  d.task('after_lazy', async () => 'never').after(lazy);
  d.task('after_lazy_any', { upstream: [lazy], triggerRule: 'all_done' }, async () => 'ran');
  return d;
}

function nShapeDag(): Dag {
  // Not series-parallel (a -> c, b -> c, b -> d), with XCom read across the cut and a mapped task.
  const d = dag({ id: 'split_n_shape' });
  const a = d.task('a', async () => 'A');
  const b = d.task('b', async () => [1, 2, 3]);
  d.task('c', { inputs: { a, b } }, async (_ctx, { a, b }) => `${a}${b.length}`);
  const doubled = d.task('d', { inputs: { b } }, async (_ctx, { b }) => b.map((n) => n * 2));
  d.expand('e', { over: doubled }, async (_ctx, n: number) => n + 1);
  return d;
}

describe('Local engine: a DAG split into a parent and child state machines', () => {
  for (const [name, build] of [
    ['a failure crossing the cut', failingDag],
    ['branches, short-circuits and self-skips read across the cut', skippingDag],
    ['an N shape with XCom and a mapping across the cut', nShapeDag],
  ] as const) {
    it(`ends every task as one machine does, each task its own child: ${name}`, async () => {
      const d = build();
      await expectSameAsOneMachine(d, EVERY_TASK_ITS_OWN, (n) => n === compileDag(d).ir.tasks.length);
    });
    it(`ends every task as one machine does, cut in a few children: ${name}`, async () => {
      await expectSameAsOneMachine(build(), A_FEW, (n) => n >= 2);
    });
  }

  it('fails the run as one machine does, and records what the failure crossing the cut left', async () => {
    const { split } = await expectSameAsOneMachine(failingDag(), EVERY_TASK_ITS_OWN, (n) => n === 6);
    expect(split.execution.status).toBe('FAILED');
    const by = Object.fromEntries(split.tasks.map((task) => [task.taskId, task.state]));
    expect(by).toEqual({
      extract: 'success',
      load: 'failed',
      audit: 'success',
      report: 'upstream_failed',
      cleanup: 'success',
      on_failure: 'success',
    });
  });

  it("keys every child's worker messages by the run: a task's callback names the parent's execution", async () => {
    const d = dag({ id: 'split_keyed' });
    const extract = d.task('extract', async () => 1);
    d.task('load', { retries: 0, onFailure: () => undefined }, async () => {
      throw new NonRetryableError('refused');
    }).after(extract);
    d.task('audit', { onSuccess: () => undefined }, async () => 'ok').after(extract);
    const { execution, callbacks } = await runDagLocally({
      dag: d,
      ctx: manualContext(d),
      splitAt: EVERY_TASK_ITS_OWN,
    });
    expect(execution.status).toBe('FAILED');
    // The parent's ARN names the DAG's own state machine, not a `-part-NN` child.
    expect(execution.executionArn).toMatch(/:execution:airstep-split_keyed:/);
    const called = callbacks.map(({ message }) => `${message.callback.name} ${message.executionArn}`).sort();
    expect(called).toEqual([`onFailure ${execution.executionArn}`, `onSuccess ${execution.executionArn}`]);
    for (const { message } of callbacks) expect(message.id.startsWith(`${execution.executionArn}#`)).toBe(true);
  });

  it('starts a task as soon as its own upstream task in another child ends, while an unrelated one runs on', async () => {
    // `slow` waits until `after_fast` (another child) has started, so the order of events proves no false wait.
    let started!: () => void;
    const afterFastStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const d = dag({ id: 'split_exact' });
    const fast = d.task('fast', async () => 'fast');
    const slow = d.task('slow', async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([afterFastStarted, new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))]);
      clearTimeout(timer);
      return 'slow';
    });
    d.task('after_fast', async () => {
      started();
      return 'after';
    }).after(fast);
    d.task('join', async () => 'joined').after(fast, slow);
    const events: ExecutionEvent[] = [];
    const { execution, tasks } = await runDagLocally({
      dag: d,
      ctx: manualContext(d),
      splitAt: EVERY_TASK_ITS_OWN,
      onEvent: (event) => events.push(event),
    });
    expect(execution.status).toBe('SUCCEEDED');
    const by = Object.fromEntries(tasks.map((task) => [task.taskId, task]));
    expect(by.after_fast!.startedAt!).toBeLessThanOrEqual(by.slow!.endedAt!);
    expect(by.join!.startedAt!).toBeGreaterThanOrEqual(by.slow!.endedAt!);
    // The children ran as executions of their own state machines, started by the parent.
    const executions = events.filter((event) => event.type === 'ExecutionStarted');
    expect(executions).toHaveLength(5);
  });
});
