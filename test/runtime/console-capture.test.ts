import { describe, expect, it } from 'vitest';
import { environmentSecrets } from '../../lib/runtime/secret-source.ts';
import type { TaskContext } from '../../lib/sdk/context.ts';
import { oneTry } from '../helpers/one-try.ts';

/**
 * `console.log` in task code lands in the try's log, as a task's stdout lands in its Airflow task log, masked like
 * `ctx.log`. Tries that run side by side in one process keep their own lines.
 */
const secrets = [environmentSecrets({ AIRSTEP_CONN_DB: 'postgres://etl:Tr0ub4dor-3@db.internal:5432/analytics' })];
const tryOf = (taskId: string, fn: (ctx: TaskContext) => unknown) => oneTry('console_probe', taskId, fn, secrets);

describe('Function: runTaskTry, console output', () => {
  it("writes console.log, info, warn, error and debug lines to the try's log, formatted as the console does", async () => {
    const { outcome, logs } = await tryOf('chatty', (ctx) => {
      console.log('rows: %d', 42, { table: 'orders' });
      console.info('info line');
      console.warn('warn line');
      console.error('two\nlines');
      console.debug('debug line');
      ctx.log('ctx line');
      return 'done';
    });
    expect(outcome.ok).toBe(true);
    expect(logs).toEqual([
      "rows: 42 { table: 'orders' }",
      'info line',
      'warn line',
      'two',
      'lines',
      'debug line',
      'ctx line',
    ]);
  });

  it('masks a password the try read in what it prints', async () => {
    const { logs } = await tryOf('leaky', async (ctx) => {
      const db = await ctx.connection('db');
      console.log(`connecting with ${db.password}`);
    });
    expect(logs).toEqual(['connecting with ***']);
  });

  it('keeps the lines of tries that run at once in one process apart', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = tryOf('first', async () => {
      console.log('first before');
      await gate;
      console.log('first after');
    });
    const second = tryOf('second', async () => {
      console.log('second before');
      release();
      await Promise.resolve();
      console.log('second after');
    });
    const [a, b] = await Promise.all([first, second]);
    expect(a.logs).toEqual(['first before', 'first after']);
    expect(b.logs).toEqual(['second before', 'second after']);
  });

  it("keeps what a try's leftover callback prints after the try ended out of its log", async () => {
    let endTry!: () => void;
    const afterEnd = new Promise<void>((resolve) => {
      endTry = resolve;
    });
    let printed!: () => void;
    const done = new Promise<void>((resolve) => {
      printed = resolve;
    });
    const ended = await tryOf('leaves_a_callback', () => {
      // Runs in the try's async context, once the try has ended.
      void afterEnd.then(() => {
        console.log('after the end');
        printed();
      });
    });
    endTry();
    await done;
    expect(ended.logs).toEqual([]);
  });

  it("keeps a line printed outside any try out of a running try's log", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const waiting = tryOf('waiting', async () => {
      started();
      await gate;
      console.log('mine');
    });
    await running;
    console.log('outside any try');
    release();
    expect((await waiting).logs).toEqual(['mine']);
  });
});
