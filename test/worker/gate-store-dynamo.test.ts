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
});
