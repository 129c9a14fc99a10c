import { describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { runDagLocally, type TaskInstance, type TryKey } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/** Each worker try's own times and end on its task instance (`tryTimes`), and its lines as they are logged. */
const fast = () => new Clock({ speed: 1000 });

function retried() {
  const d = dag({ id: 'try_times' });
  d.task('flaky', { retries: 2, retryDelay: 1 }, async (ctx) => {
    ctx.log(`flaky: try ${ctx.tryNumber}`);
    if (ctx.tryNumber < 3) throw new Error(`not yet (${ctx.tryNumber})`);
    return 'ok';
  });
  const list = d.task('list', async () => [1, 2]);
  d.expand('each', { over: list, retries: 1, retryDelay: 1 }, async (ctx, item: number) => {
    if (item === 2 && ctx.tryNumber === 1) throw new Error('item 2 fails once');
    return item;
  });
  return d;
}

const find = (tasks: readonly TaskInstance[], taskId: string, mapIndex = -1) =>
  tasks.find((task) => task.taskId === taskId && task.mapIndex === mapIndex)!;

describe('local engine: times per try', () => {
  it('keeps every try of a retried task and of a retried item, each with its state, times and error', async () => {
    const d = retried();
    const result = await runDagLocally({ dag: d, ctx: manualContext(d), clock: fast() });

    const flaky = find(result.tasks, 'flaky');
    expect(flaky).toMatchObject({ state: 'success', tries: 3 });
    expect(flaky.tryTimes!.map(({ try: n, state, errorMessage }) => ({ n, state, errorMessage }))).toEqual([
      { n: 1, state: 'failed', errorMessage: 'Error: not yet (1)' },
      { n: 2, state: 'failed', errorMessage: 'Error: not yet (2)' },
      { n: 3, state: 'success', errorMessage: undefined },
    ]);
    // Each try queued, ran and ended, and the next began after it ended.
    const times = flaky.tryTimes!;
    for (const entry of times) {
      expect(entry.queuedAt! <= entry.startedAt!).toBe(true);
      expect(entry.startedAt! <= entry.endedAt!).toBe(true);
    }
    for (let i = 1; i < times.length; i++) expect(times[i - 1]!.endedAt! <= times[i]!.queuedAt!).toBe(true);
    // The instance's own times: its first try's start, its last try's end.
    expect(flaky.startedAt).toBe(times[0]!.startedAt);
    expect(flaky.endedAt! >= times[2]!.endedAt!).toBe(true);

    expect(find(result.tasks, 'each', 0).tryTimes!.map((entry) => entry.state)).toEqual(['success']);
    expect(find(result.tasks, 'each', 1).tryTimes!.map((entry) => [entry.try, entry.state])).toEqual([
      [1, 'failed'],
      [2, 'success'],
    ]);
  });

  it('hands each try’s lines over as they are logged, before the try’s end', async () => {
    const d = retried();
    const events: string[] = [];
    const key = (of: TryKey) => `${of.taskId}[${of.mapIndex}]#${of.tryNumber}`;
    await runDagLocally({
      dag: d,
      ctx: manualContext(d),
      clock: fast(),
      onTryLog: (attempt, lines) => events.push(`log ${key(attempt)}: ${lines.join('|')}`),
      onTryEnded: (attempt) => events.push(`end ${key(attempt)}`),
    });
    expect(events.filter((event) => event.includes('flaky'))).toEqual([
      'log flaky[-1]#1: flaky: try 1',
      'end flaky[-1]#1',
      'log flaky[-1]#2: flaky: try 2',
      'end flaky[-1]#2',
      'log flaky[-1]#3: flaky: try 3',
      'end flaky[-1]#3',
    ]);
  });
});
