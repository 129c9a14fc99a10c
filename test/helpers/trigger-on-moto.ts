import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import type { TriggerResult } from '../../lib/runs/trigger-run.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { asRole } from '../iam/stack-role.ts';
import { deployDagRecord } from './deployed-dag.ts';
import { triggerEnv } from './trigger-env.ts';

/** What a test of the trigger handler on moto works with. */
export interface TriggerOnMoto {
  readonly moto: RunningEmulator;
  readonly tables: Awaited<ReturnType<typeof createStackTables>>;
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly dynamo: () => DynamoDBClient;
  readonly failedEventsUrl: string;
  /** The trigger Lambda's handler, its AWS calls checked against the trigger role's policies (test/iam). */
  readonly handler: (event: unknown) => Promise<TriggerResult>;
  /**
   * A DAG deployed as dag-sync leaves it (test/helpers/deployed-dag.ts), declaring by default one param, `limit`
   * (an integer of at least 1, default 10), for the tests of conf validation.
   */
  readonly deployDag: (dagId: string, options?: Partial<DagRecord>) => Promise<DagRecord>;
}

/**
 * moto started for a test file of the trigger Lambda's handler, called in-process: the stack's tables
 * (`<prefix>-…`), a failed-events queue `<prefix>-failed-events`, the emulator's and the trigger's environment in
 * `process.env` (the handler makes its clients when it is imported, so it is imported after), and the handler.
 * The caller stops `moto` after its tests.
 */
export async function triggerOnMoto(prefix: string): Promise<TriggerOnMoto> {
  const moto = await startEmulator('moto');
  try {
    return await prepare(moto, prefix);
  } catch (error) {
    // The caller never gets `moto` to stop: a failed setup must not leave it running.
    await moto.stop();
    throw error;
  }
}

async function prepare(moto: RunningEmulator, prefix: string): Promise<TriggerOnMoto> {
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  const sfn = new SFNClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const dynamo = () => dynamoFor(moto.endpoint);
  const tables = await createStackTables(dynamo(), prefix);
  const failedEventsUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-failed-events` }))).QueueUrl!;
  Object.assign(process.env, triggerEnv({ tables, failedEventsQueueUrl: failedEventsUrl, prefix }));
  const handler = asRole('trigger', (await import('../../lambdas/trigger/index.ts')).handler);
  const deployDag = (dagId: string, options: Partial<DagRecord> = {}) =>
    deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, dagId, {
      params: { limit: { type: 'integer', default: 10, minimum: 1 } },
      ...options,
    });
  return { moto, tables, sfn, sqs, dynamo, failedEventsUrl, handler, deployDag };
}
