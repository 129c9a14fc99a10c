import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import medallion from '../../dags/s3_medallion_ingestion.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { EXAMPLE_BUCKETS, seedExampleBuckets } from '../../lib/local/example-buckets.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { startRunOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';

/**
 * The medallion example on the worker Lambda's handler (MiniStack): its task code reads the raw bucket and
 * writes the processed and analytics buckets, as a user's task code does. Every call it makes runs as the worker
 * role, so the IAM check proves the default stack lets task code reach the data buckets its props name.
 */
let emulator: RunningEmulator;
const BUCKET = 'airstep-worker-data';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.stop();
});

describe('worker Lambda and the data buckets', () => {
  it("runs the medallion example, its task code reading and writing the stack's data buckets", async () => {
    const stack = await workerOnEmulator(emulator, { bucket: BUCKET, prefix: 'data' });
    const { s3, sqs, sfn, handler, taskQueue, controlQueue } = stack;
    await seedExampleBuckets(s3);
    const { executionArn } = await startRunOnEmulator(stack, 'dags/s3_medallion_ingestion.ts', medallion, {
      machineName: 'airstep-medallion',
    });

    const { described, failures } = await driveWorker({
      sqs,
      sfn,
      handler,
      queues: [taskQueue, controlQueue],
      executionArn: executionArn!,
    });

    expect(failures).toEqual([]);
    expect(described?.status).toBe('SUCCEEDED');
    const { tasks } = JSON.parse(described!.output!) as { tasks: Record<string, { state: string }> };
    expect(Object.values(tasks).every((task) => task.state === 'success')).toBe(true);
    expect(Object.keys(tasks).length).toBeGreaterThan(2);
    // The gold layer the last task wrote, read back from the analytics bucket.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: EXAMPLE_BUCKETS.analytics }));
    expect(listed.Contents?.length ?? 0).toBeGreaterThan(0);
  }, 150_000);
});
