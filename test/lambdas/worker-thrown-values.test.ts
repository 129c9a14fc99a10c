import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import oddThrows from '../fixtures/local/odd_throws.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { startRunOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';

/**
 * The worker Lambda's handler on MiniStack with task code that throws values no Error would (a Proxy that throws on
 * every trap, a throwing `name` getter, `Object.create(null)`, a Symbol, …): each try is answered with
 * SendTaskFailure once, and no message is handed back to SQS for redelivery (which would run the task again).
 */
let emulator: RunningEmulator;
const BUCKET = 'airstep-worker-thrown-test';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.stop();
});

describe('worker Lambda: any thrown value', () => {
  it('answers each try with SendTaskFailure once: the run fails, no message is handed back for redelivery', async () => {
    const stack = await workerOnEmulator(emulator, { bucket: BUCKET, prefix: 'thrown' });
    const { sqs, sfn, handler, taskQueue, controlQueue } = stack;
    const { executionArn } = await startRunOnEmulator(stack, 'test/fixtures/local/odd_throws.ts', oddThrows, {
      machineName: 'airstep-odd-throws',
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
    expect(described?.status).toBe('FAILED');
    const taskIds = delivered.map((m) => (JSON.parse(m.Body!) as { taskId: string }).taskId);
    expect(taskIds.sort()).toEqual([
      'message_getter',
      'name_getter',
      'null_prototype',
      'numeric_name',
      'proxy',
      'symbol',
      'undefined_value',
    ]);
  });
});
