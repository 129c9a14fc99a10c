import type { Asset } from './asset.ts';

/**
 * The event a task's success records for one of its outlets, as its code shapes it (Airflow 3's
 * `outlet_events[asset]`). Set or fill `extra` while the task runs: the event that the task's success records
 * carries it, and the runs it triggers see it in `ctx.triggeringAssetEvents[uri][i].extra`.
 */
export interface OutletEvent {
  /**
   * Facts about this update (JSON: a row count, a partition, a path). Starts `{}`; assign a new object or set keys.
   * At most 8 KiB of JSON for all of a task's outlets together: a try that attaches more fails, not retried.
   */
  extra: Record<string, unknown>;
}

/**
 * `ctx.outletEvents(asset)`: the outlet event of one of the task's `outlets` (the asset, or its URI). Throws
 * `NonRetryableError` for an asset that is not one of the task's outlets, in a mapped task (it has no outlets:
 * `validate` refuses them) and in a sensor (its event is recorded for the task as a whole, with `extra` `{}`).
 */
export type OutletEvents = (asset: Asset | string) => OutletEvent;
