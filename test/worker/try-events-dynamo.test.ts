import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { finalTaskRecord } from '../../lib/runs/final-task-record.ts';
import { listTaskInstances } from '../../lib/runs/run-history.ts';
import { recordTry, taskInstanceKey, tryTimesOf } from '../../lib/worker/try-records.ts';
import { createStackTables, dynamoFor } from '../../localstack/stack-tables.ts';

/**
 * Every try's times on the cloud's live task record, on moto's DynamoDB: each live write appends its phase to
 * `tryEvents` in the same UpdateItem (no other call, so the worker role needs nothing new), a write its condition
 * drops appends nothing, and the recorder's final record keeps them.
 */
let moto: RunningEmulator;
let table: string;
beforeAll(async () => {
  moto = await startEmulator('moto');
  table = (await createStackTables(dynamoFor(moto.endpoint), 'try-events')).taskInstances;
});
afterAll(async () => {
  await moto?.stop();
});

const at = (second: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, second));

describe('live try records: every try’s times', () => {
  it('keeps each try’s queued, running and end, drops a late write of an earlier phase, and survives the final record', async () => {
    const dynamo = dynamoFor(moto.endpoint);
    const identity = (tryNumber: number) => ({
      dagId: 'd',
      runId: 'r',
      taskId: 'load',
      mapIndex: -1,
      tryNumber,
      token: `token-${tryNumber}`,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:d:r',
    });
    const write = (tryNumber: number, change: Parameters<typeof recordTry>[3]) =>
      recordTry(dynamo, table, identity(tryNumber), change);

    expect(await write(1, { phase: 'queued', state: 'queued', at: at(0) })).toBe(true);
    expect(await write(1, { phase: 'running', state: 'running', at: at(1) })).toBe(true);
    expect(await write(1, { phase: 'ended', state: 'up_for_retry', at: at(3), error: 'Error' })).toBe(true);
    // SQS delivered try 1's start again, after its end: dropped, and nothing appended.
    expect(await write(1, { phase: 'running', state: 'running', at: at(4) })).toBe(false);
    expect(await write(2, { phase: 'queued', state: 'queued', at: at(5) })).toBe(true);
    expect(await write(2, { phase: 'running', state: 'running', at: at(6) })).toBe(true);
    expect(await write(2, { phase: 'ended', state: 'success', at: at(9) })).toBe(true);
    await dynamo.send(
      new UpdateItemCommand(
        finalTaskRecord(
          table,
          { dagId: 'd', runId: 'r' },
          { key: 'load', state: 'success', try: 2 },
          'arn:aws:states:us-east-1:123456789012:execution:d:r',
        ),
      ),
    );

    const item = (
      await dynamo.send(new GetItemCommand({ TableName: table, Key: taskInstanceKey('d', 'r', 'load', -1) }))
    ).Item!;
    expect(item.final).toEqual({ BOOL: true });
    expect(item.tryEvents?.L).toHaveLength(6);
    expect(tryTimesOf(item.tryEvents)).toEqual([
      {
        try: 1,
        state: 'up_for_retry',
        queuedAt: at(0).toISOString(),
        startedAt: at(1).toISOString(),
        endedAt: at(3).toISOString(),
        error: 'Error',
      },
      {
        try: 2,
        state: 'success',
        queuedAt: at(5).toISOString(),
        startedAt: at(6).toISOString(),
        endedAt: at(9).toISOString(),
      },
    ]);
    // What `airstep tasks --stack` and `airstep ui --stack` read: the same tries, the error as the page names it.
    const [listed] = await listTaskInstances(dynamo, table, 'd', 'r');
    expect(listed?.tryTimes?.map((times) => [times.try, times.state, times.errorMessage])).toEqual([
      [1, 'up_for_retry', 'Error'],
      [2, 'success', undefined],
    ]);
  });

  it('reads an item without events (a record written before them, a native step) as no tries', () => {
    expect(tryTimesOf(undefined)).toEqual([]);
    expect(tryTimesOf({ L: [{ M: { phase: { S: 'queued' } } }] })).toEqual([]);
  });
});
