import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { ProcessWorkerPool } from '../../lib/local/worker-pool.ts';
import { readThrownValue } from '../../lib/runtime/thrown-value.ts';
import oddThrows from '../fixtures/local/odd_throws.ts';
import { manualContext } from '../helpers/run-context.ts';

/** What each task of test/fixtures/local/odd_throws.ts must fail with: its error name and the start of its cause. */
const EXPECTED: Record<string, [string, string]> = {
  message_getter: ['Odd', 'a value that is not an Error was thrown: {"name":"Odd"}'],
  name_getter: ['Error', 'the name getter throws'],
  null_prototype: ['Error', 'a value that is not an Error was thrown: {}'],
  numeric_name: ['Error', 'the name is a number'],
  proxy: ['Error', 'a non-Error object was thrown'],
  symbol: ['Error', 'a symbol was thrown (Symbol(odd))'],
  undefined_value: ['Error', 'undefined was thrown'],
};

describe('Function: readThrownValue', () => {
  it('reads an Error as its name, message and stack', () => {
    const error = new TypeError('bad input');
    expect(readThrownValue(error)).toEqual({ name: 'TypeError', message: 'bad input', stack: error.stack });
  });

  it('reads a thrown string as its message and any primitive as a description', () => {
    expect(readThrownValue('boom')).toEqual({ name: 'Error', message: 'boom', stack: 'boom' });
    expect(readThrownValue(42).message).toBe('number 42 was thrown');
    expect(readThrownValue(null).message).toBe('null was thrown');
    expect(readThrownValue(10n).message).toBe('bigint 10 was thrown');
  });
});

describe('Local engine: a task that throws a value no Error would', () => {
  it('fails that task with a name and a message, in-process, and the run ends failed', async () => {
    const { execution, tasks, tries } = await runDagLocally({ dag: oddThrows, ctx: manualContext(oddThrows) });
    expect(execution.status).toBe('FAILED');
    expect(tasks.map((task) => [task.taskId, task.state, task.tries])).toEqual(
      Object.keys(EXPECTED).map((id) => [id, 'failed', 1]),
    );
    const outcomes = Object.fromEntries(
      tries.map((attempt) => [
        attempt.taskId,
        attempt.outcome.ok ? ['ok', ''] : [attempt.outcome.error, attempt.outcome.cause ?? ''],
      ]),
    );
    for (const [id, [name, cause]] of Object.entries(EXPECTED)) {
      const [error, told] = outcomes[id] as [string, string];
      expect(error, id).toBe(name);
      expect(told.startsWith(cause), `${id}: ${told}`).toBe(true);
    }
  });

  it('fails that task without crashing its worker process (no WorkerCrashed)', async () => {
    const pool = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/odd_throws.ts'),
      dagId: 'odd_throws',
      size: 2,
    });
    try {
      const { execution, tries } = await runDagLocally({
        dag: oddThrows,
        ctx: manualContext(oddThrows),
        runTry: pool.run,
      });
      expect(execution.status).toBe('FAILED');
      const outcomes = Object.fromEntries(
        tries.map((attempt) => [attempt.taskId, attempt.outcome.ok ? 'ok' : attempt.outcome.error]),
      );
      expect(outcomes).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([id, [name]]) => [id, name])));
    } finally {
      await pool.close();
    }
  });
});
