import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import skipping from '../fixtures/local/skipping.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { startRunOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';

/**
 * The worker Lambda's handler on MiniStack (Parallel and Map states, and it keeps SendTaskFailure's cause): task
 * code in the bundled DAG throws SkipError, with retries left, and in one mapped item.
 */
let emulator: RunningEmulator;
const BUCKET = 'airstep-worker-skip-test';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.stop();
});

describe('worker Lambda: SkipError', () => {
  it('answers SkipError with the reason; the try is not retried, the task and the item are skipped, downstream tasks follow their trigger rules', async () => {
    const stack = await workerOnEmulator(emulator, { bucket: BUCKET, prefix: 'skip' });
    const { sqs, sfn, handler, taskQueue, controlQueue } = stack;
    const { executionArn } = await startRunOnEmulator(stack, 'test/fixtures/local/skipping.ts', skipping, {
      machineName: 'airstep-skipping',
    });

    const { described, delivered, failures } = await driveWorker({
      sqs,
      sfn,
      handler,
      queues: [taskQueue, controlQueue],
      executionArn: executionArn!,
      deadlineMs: 90_000,
    });
    expect(failures).toEqual([]);
    expect(described?.status).toBe('SUCCEEDED');
    const messages = delivered.map((m) => JSON.parse(m.Body!) as { taskId: string; mapIndex: number });
    // One try of `check` (retries: 3) and of each item (retries: 2); no message for the tasks that were skipped.
    expect(messages.map((m) => (m.mapIndex >= 0 ? `${m.taskId}[${m.mapIndex}]` : m.taskId)).sort()).toEqual([
      'check',
      'cleanup',
      'collect',
      'each[0]',
      'each[1]',
      'each[2]',
      'list',
      'report',
    ]);
    const { tasks } = JSON.parse(described!.output!) as { tasks: Record<string, Record<string, unknown>> };
    expect(Object.fromEntries(Object.entries(tasks).map(([key, record]) => [key, record.state]))).toEqual({
      check: 'skipped',
      load: 'skipped',
      report: 'success',
      cleanup: 'success',
      list: 'success',
      each: 'skipped',
      after_each: 'skipped',
      collect: 'success',
    });
    expect(tasks.check!.skip).toMatchObject({ Error: 'SkipError', Cause: 'no new files for 2026-11-22' });
    expect(tasks.each!.output).toEqual([10, null, 30]);
  });
});
