import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../lib/emulator/launcher.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** True while any process of the group still exists (the emulator or anything it started). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('lib/emulator/launcher', () => {
  it('starts MiniStack from the project venv on a free loopback port, serves S3, and leaves no process after stop', async () => {
    const emulator = await startEmulator('ministack');
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await s3.send(new CreateBucketCommand({ Bucket: 'launcher-probe' }));
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((bucket) => bucket.Name)).toContain('launcher-probe');
    expect(groupAlive(emulator.pid)).toBe(true);
    await emulator.stop();
    await expect(fetch(`${emulator.endpoint}/_ministack/health`)).rejects.toThrow();
    expect(groupAlive(emulator.pid)).toBe(false);
  });

  it('starts moto with state-machine execution switched on and stops it', async () => {
    const emulator = await startEmulator('moto');
    const sfn = new SFNClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines).toEqual([]);
    await emulator.stop();
    await expect(fetch(`${emulator.endpoint}/moto-api/`)).rejects.toThrow();
    expect(groupAlive(emulator.pid)).toBe(false);
  });
});
