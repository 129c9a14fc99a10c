import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { type DagRecord, writeDagRecord } from '../../lib/dynamo/dag-record.ts';

/** A state machine that waits, so runs stay active while a test looks at them. */
export const HOLDING_DEFINITION = { StartAt: 'hold', States: { hold: { Type: 'Wait', Seconds: 120, End: true } } };

/**
 * A DAG as dag-sync leaves it deployed, for tests of the trigger, recorder and CLI: a state machine on the
 * emulator (`definition`, holding by default) and its live DAG record. `options` override record fields.
 */
export async function deployDagRecord(
  clients: { readonly sfn: SFNClient; readonly dynamo: DynamoDBClient; readonly dagsTable: string },
  dagId: string,
  options: Partial<DagRecord> & { readonly definition?: object } = {},
): Promise<DagRecord> {
  const { definition = HOLDING_DEFINITION, ...fields } = options;
  const machine = await clients.sfn.send(
    new CreateStateMachineCommand({
      name: `airstep-${dagId}`,
      roleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
      definition: JSON.stringify(definition),
    }),
  );
  const record: DagRecord = {
    dagId,
    dagVersion: 'v1',
    file: `dags/${dagId}.ts`,
    aliasArn: machine.stateMachineArn!,
    stateMachineArn: machine.stateMachineArn!,
    schedule: { expression: '@daily', timezone: 'UTC', startDate: '2026-11-01', catchup: false },
    params: {},
    maxActiveRuns: 16,
    disabled: false,
    updatedAt: '2026-11-22T00:00:00.000Z',
    ...fields,
  };
  await writeDagRecord(clients.dynamo, clients.dagsTable, record);
  return record;
}
