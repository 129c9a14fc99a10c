import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { ProcessWorkerPool } from '../../lib/local/worker-pool.ts';
import crashing from '../fixtures/local/crashing.ts';
import { manualContext } from '../helpers/run-context.ts';

describe('Local engine: worker processes', () => {
  it('turns a crashed worker (exit, uncaught exception, out of memory) into a failed try that is retried', async () => {
    const pool = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/crashing.ts'),
      dagId: 'crashing',
      size: 3,
      maxOldSpaceMb: 64,
    });
    try {
      const { execution, tasks, tries } = await runDagLocally({
        dag: crashing,
        ctx: manualContext(crashing),
        runTry: pool.run,
      });
      expect(execution.status).toBe('SUCCEEDED');
      expect(tasks.map((task) => [task.taskId, task.state, task.tries, task.output])).toEqual([
        ['eats_memory', 'success', 2, 'survived out of memory'],
        ['exits', 'success', 2, 'survived exit'],
        ['throws_later', 'success', 2, 'survived uncaught exception'],
      ]);
      const firstTries = tries.filter((attempt) => attempt.tryNumber === 1);
      expect(firstTries.map((attempt) => (attempt.outcome.ok ? 'ok' : attempt.outcome.error))).toEqual([
        'Airstep.WorkerCrashed',
        'Airstep.WorkerCrashed',
        'Airstep.WorkerCrashed',
      ]);
      const memory = firstTries.find((attempt) => attempt.taskId === 'eats_memory')!;
      expect(memory.outcome.ok ? '' : memory.outcome.cause).toContain('out of memory');
    } finally {
      await pool.close();
    }
  });
});

describe('Class: ProcessWorkerPool, warm workers', () => {
  const tasks = [
    { id: 'start', kind: 'code' as const, upstream: [] },
    ...['a', 'b', 'c'].map((id) => ({ id, kind: 'code' as const, upstream: ['start'] })),
  ];

  it('starts the workers a fan-out will use before its first task runs, bounded by the pool size', async () => {
    const wide = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/crashing.ts'),
      dagId: 'crashing',
      size: 8,
      tasks,
    });
    const narrow = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/crashing.ts'),
      dagId: 'crashing',
      size: 2,
      tasks,
    });
    try {
      wide.warm();
      narrow.warm();
      expect([wide.workers, narrow.workers]).toEqual([3, 2]);
    } finally {
      await Promise.all([wide.close(), narrow.close()]);
    }
  });

  it('stops the workers no task will use any more', async () => {
    const pool = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/crashing.ts'),
      dagId: 'crashing',
      size: 8,
      tasks,
    });
    try {
      pool.warm();
      for (const taskId of ['start', 'a', 'b', 'c']) pool.observe({ taskId, mapIndex: -1, state: 'success' });
      expect(pool.workers).toBe(0);
    } finally {
      await pool.close();
    }
  });
});
