/**
 * Options of a mapping over one list (`expand`, `expandKwargs`) that runs as a Step Functions Distributed Map:
 * each item a child execution with its own history, so a run maps over far more items than its own 25,000
 * history events hold. `compile` chooses it by itself for a mapping whose items would overflow a run's history
 * (its literal list's count, or `expectedItems`), and says so.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 */
export interface DistributedMapOptions {
  /**
   * Run this mapping as a Distributed Map whatever its item count. @default false: inline, unless the items would
   * not fit a run's history
   */
  readonly distributed?: boolean;
  /**
   * A distributed mapping only: how many items may fail while the task still succeeds (Step Functions'
   * `ToleratedFailureCount`). One failure more stops the items still running and fails the task. Within it, the
   * task succeeds and downstream tasks read every item's result in order, `null` for an item that failed.
   * @default 0: the first failed item fails the task
   */
  readonly toleratedFailureCount?: number;
  /** A distributed mapping only: as `toleratedFailureCount`, as a percentage (0-100) of the items. @default 0 */
  readonly toleratedFailurePercentage?: number;
}
