import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import type { DagRecord } from '../dynamo/dag-record.ts';

/**
 * What the trigger needs of a DAG scheduled on assets, kept on its DAG record: its condition, and since when it
 * consumes (Airflow queues an asset event only for the DAGs that exist when it is recorded). A redeploy of a live
 * consumer keeps its start, so events queued for it stay queued; a DAG that starts consuming (first deploy, or
 * again after it stopped, or after its file was deleted) starts now.
 */
export function assetConsumerFields(
  assets: AssetConditionIR | undefined,
  current: Pick<DagRecord, 'assets' | 'assetsSince' | 'disabled'> | undefined,
  now: Date,
): Pick<DagRecord, 'assets' | 'assetsSince'> {
  if (assets === undefined) return {};
  const keep = current !== undefined && !current.disabled && current.assets !== undefined;
  return { assets, assetsSince: keep && current.assetsSince !== undefined ? current.assetsSince : now.toISOString() };
}
