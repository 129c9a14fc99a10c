import type { AssetEventInfo } from '../sdk/context.ts';

/** An asset event as it is kept (local store; the same shape a cloud table would hold). */
export interface AssetEvent extends AssetEventInfo {
  /**
   * Unique and ordered by when it was recorded: `<timestamp>~<random>`. Consumers remember which events they
   * consumed by it.
   */
  readonly id: string;
}
