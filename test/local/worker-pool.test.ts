import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { workerTasksOf } from '../../lib/compiler/worker-contract.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { ProcessWorkerPool } from '../../lib/local/worker-pool.ts';
import crashing from '../fixtures/local/crashing.ts';
import mappedPids from '../fixtures/local/mapped_pids.ts';
import workerPids from '../fixtures/local/worker_pids.ts';
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

describe('Class: ProcessWorkerPool, handing a worker on', () => {
  it('gives a worker that ends a try to the try waiting for one, even when no more workers are forecast', async () => {
    const pool = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/worker_pids.ts'),
      dagId: 'worker_pids',
      size: 1,
      tasks: [{ id: 'pid', kind: 'code', upstream: [] }],
    });
    // The forecast says no task needs a worker any more; the two tries below still wait for the one worker.
    pool.observe({ taskId: 'pid', mapIndex: -1, state: 'success' });
    const message = (retryCount: number) =>
      ({
        kind: 'task',
        dagId: 'worker_pids',
        dagVersion: 'local',
        taskId: 'pid',
        executionArn: 'local:worker_pids',
        retryCount,
        token: `token-${retryCount}`,
        ctx: manualContext(workerPids),
        inputs: {},
        mapIndex: -1,
      }) as const;
    const hooks = {
      task: workerTasksOf(compileDag(workerPids).manifest!).get('pid'),
      onHeartbeat: () => undefined,
    };
    try {
      const [first, second] = await Promise.all([pool.run(message(0), hooks), pool.run(message(1), hooks)]);
      expect(first.outcome.ok && second.outcome.ok).toBe(true);
      // One process ran both: the second try did not wait for a fresh worker while the first one was stopped.
      const pids = [first, second].map(({ outcome }) => (outcome.ok ? outcome.result.output : undefined));
      expect(typeof pids[0]).toBe('number');
      expect(pids[1]).toBe(pids[0]);
    } finally {
      await pool.close();
    }
  });
});

describe('Class: ProcessWorkerPool, a mapped task', () => {
  it("keeps its workers between one item's try and the next instead of starting a process per item", async () => {
    const compiled = compileDag(mappedPids);
    const pool = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/mapped_pids.ts'),
      dagId: 'mapped_pids',
      size: 3,
      tasks: compiled.manifest!.tasks,
    });
    try {
      const { execution, tasks } = await runDagLocally({
        dag: mappedPids,
        ctx: manualContext(mappedPids),
        runTry: pool.run,
        // As recordRun does: the pool's forecast follows the run.
        onTaskChange: (task) => pool.observe(task),
      });
      expect(execution.status).toBe('SUCCEEDED');
      const items = tasks.filter((task) => task.taskId === 'each' && task.mapIndex >= 0);
      expect(items).toHaveLength(30);
      // 30 tries, at most 3 at a time: 3 processes serve them all (before, an item's worker, idle for the moment
      // between two items, was stopped and another started: 30 processes).
      expect(new Set(items.map((task) => task.output)).size).toBeLessThanOrEqual(3);
    } finally {
      await pool.close();
    }
  });
});
