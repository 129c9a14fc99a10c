import { LocalRunHistory } from '../../local/local-run-history.ts';
import { type CloudStackOptions, resolveCloudStack, wantsCloud } from '../cloud-stack.ts';
import type { Checked } from '../run-input.ts';
import type { RunHistory } from './run-history.ts';

/** The local store, or the deployed stack's tables with `--stack` / `--outputs`. */
export async function openRunHistory(options: CloudStackOptions): Promise<Checked<RunHistory>> {
  if (!wantsCloud(options)) return { ok: true, value: (await LocalRunHistory.open()) satisfies RunHistory };
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return stack;
  const { dagsTable, runsTable, taskInstancesTable, source } = stack.value;
  const tables = { dags: dagsTable, runs: runsTable, taskInstances: taskInstancesTable };
  // The DynamoDB client loads only when a command reads the deployed tables.
  const [{ dynamoClient }, { CloudRunHistory }, { SFNClient }] = await Promise.all([
    import('../../dynamo/dag-record.ts'),
    import('../../runs/cloud-run-history.ts'),
    import('@aws-sdk/client-sfn'),
  ]);
  const history = new CloudRunHistory(dynamoClient(), tables, source, new SFNClient({}));
  return { ok: true, value: history satisfies RunHistory };
}
