import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { GateStore } from '../../lib/worker/gate-store.ts';
import { createStackTables, dynamoFor } from '../../localstack/stack-tables.ts';

/** The cloud gate store on moto's DynamoDB: a gate that opens early keeps `openWhen` between messages. */
let moto: RunningEmulator;
let table: string;
beforeAll(async () => {
  moto = await startEmulator('moto');
  table = (await createStackTables(dynamoFor(moto.endpoint), 'gates')).taskInstances;
});
afterAll(async () => {
  await moto?.stop();
});

describe('Class: GateStore', () => {
  it('opens a one_success gate at the first success, answering the task still running as not ended, and once', async () => {
    const opened: Array<{ token: string; records: Record<string, unknown> }> = [];
    const store = new GateStore(dynamoFor(moto.endpoint), table, async (token, records) => {
      opened.push({ token, records });
    });
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:early:run-1';
    const signal = (taskId: string, state: string) =>
      store.handle({ kind: 'signal', executionArn, taskId, record: { state, output: null } });
    await signal('a.first', 'failed');
    await store.handle({
      kind: 'gate',
      executionArn,
      taskId: 'join',
      waitFor: ['a.first', 'b', 'c'],
      keys: { 'a.first': 'a_first', b: 'b', c: 'c' },
      openWhen: ['success'],
      token: 'token-join',
    });
    expect(opened).toEqual([]);
    await signal('b', 'success');
    expect(opened).toEqual([
      {
        token: 'token-join',
        records: {
          a_first: { state: 'failed', output: null },
          b: { state: 'success', output: null },
          c: { state: 'none', output: null },
        },
      },
    ]);
    await signal('c', 'success');
    expect(opened).toHaveLength(1);
  });

  it("releases a dead child's tasks as failed where they never signalled, keeping a signal already there", async () => {
    // A split run's child died: `done` had signalled success before; `lost` never will (child-failure-states.ts).
    const opened: Array<{ token: string; records: Record<string, unknown> }> = [];
    const store = new GateStore(dynamoFor(moto.endpoint), table, async (token, records) => {
      opened.push({ token, records });
    });
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:split:run-2';
    await store.handle({ kind: 'signal', executionArn, taskId: 'done', record: { state: 'success', output: 1 } });
    await store.handle({
      kind: 'gate',
      executionArn,
      taskId: 'after_both',
      waitFor: ['done', 'lost'],
      keys: { done: 'done', lost: 'lost' },
      token: 'token-after-both',
    });
    expect(opened).toEqual([]);
    const failed = { state: 'failed', output: null, error: { Error: 'States.TaskFailed' }, childEnded: 'part-01' };
    await store.handle({ kind: 'release', executionArn, taskIds: ['done', 'lost'], record: failed });
    expect(opened).toEqual([
      { token: 'token-after-both', records: { done: { state: 'success', output: 1 }, lost: failed } },
    ]);
    // A redelivered release changes nothing; a gate sent after it opens at once with the same records.
    await store.handle({ kind: 'release', executionArn, taskIds: ['done', 'lost'], record: failed });
    await store.handle({
      kind: 'gate',
      executionArn,
      taskId: 'late',
      waitFor: ['lost'],
      keys: { lost: 'lost' },
      token: 'token-late',
    });
    expect(opened).toHaveLength(2);
    expect(opened[1]).toEqual({ token: 'token-late', records: { lost: failed } });
  });
});
