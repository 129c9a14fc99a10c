import type { AssetWatcher } from './asset-watchers.ts';

/**
 * Assets (Airflow 3's data-aware scheduling): a task declares the assets it updates (`outlets`); a DAG may run
 * when assets were updated (`schedule: [a, b]`, `a.and(b)`, `a.or(b)`), or on a time schedule and on assets
 * (`schedule: { time: '@daily', assets: … }`, Airflow's `AssetOrTimeSchedule`).
 *
 * These are plain values: nothing is checked here, so `airstep validate` reports every bad URI at once (with the
 * DAG, task and field) instead of the first one throwing while the DAG file loads.
 */

/** Something a DAG can be scheduled on: one asset, or all / any of several conditions (nested freely). */
export type AssetCondition = Asset | AssetAll | AssetAny;

interface Combinable {
  /** Both this and `other` must have been updated (Airflow's `a & b`). */
  and(...others: AssetCondition[]): AssetAll;
  /** Either this or `other` (Airflow's `a | b`). */
  or(...others: AssetCondition[]): AssetAny;
}

/** An asset, named by its URI (`s3://bucket/prefix`, `postgres://db/schema/table`, `file:///data/x.csv`). */
export interface Asset extends Combinable {
  readonly kind: 'asset';
  /** The asset's identity: two assets with the same URI are the same asset. */
  readonly uri: string;
  /** A readable name (Airflow 3's `name`). @default the URI */
  readonly name?: string;
  /** Static facts about the asset (Airflow's `extra`), shown by `airstep assets`. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Events from outside Airstep that update the asset (S3 objects created, EventBridge events): see asset-watchers.ts. */
  readonly watchers?: readonly AssetWatcher[];
}

/** Every condition must be met (Airflow's `AssetAll`, `a & b`, and a list `schedule: [a, b]`). */
export interface AssetAll extends Combinable {
  readonly kind: 'all';
  readonly of: readonly AssetCondition[];
}

/** At least one condition must be met (Airflow's `AssetAny`, `a | b`). */
export interface AssetAny extends Combinable {
  readonly kind: 'any';
  readonly of: readonly AssetCondition[];
}

/**
 * A schedule on assets: a list (every asset updated: Airflow's `schedule=[a, b]`), a condition, or a time schedule
 * plus a condition: runs on `time` AND whenever the condition is met (Airflow's `AssetOrTimeSchedule`).
 */
export type AssetSchedule =
  | readonly Asset[]
  | AssetCondition
  | { readonly time: string; readonly assets: readonly Asset[] | AssetCondition };

const combinators = {
  and(this: AssetCondition, ...others: AssetCondition[]): AssetAll {
    return allOf(this, ...others);
  },
  or(this: AssetCondition, ...others: AssetCondition[]): AssetAny {
    return anyOf(this, ...others);
  },
};

function withCombinators<T extends object>(value: T): T & Combinable {
  // Methods stay off the enumerable fields, so a condition prints and compares as its data.
  Object.defineProperties(value, {
    and: { value: combinators.and, enumerable: false },
    or: { value: combinators.or, enumerable: false },
  });
  return Object.freeze(value) as T & Combinable;
}

/** Declares an asset: `asset('s3://lake/orders')`, `asset('s3://lake/orders', { name: 'orders' })`. */
export function asset(
  uri: string,
  options: {
    readonly name?: string;
    readonly extra?: Readonly<Record<string, unknown>>;
    readonly watchers?: readonly AssetWatcher[];
  } = {},
): Asset {
  return withCombinators({
    kind: 'asset' as const,
    uri,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.extra !== undefined ? { extra: options.extra } : {}),
    ...(options.watchers !== undefined ? { watchers: Object.freeze([...options.watchers]) } : {}),
  });
}

/** Every condition must be met: `allOf(a, b)` is Airflow's `a & b`. */
export function allOf(...conditions: AssetCondition[]): AssetAll {
  return withCombinators({ kind: 'all' as const, of: Object.freeze([...conditions]) });
}

/** At least one condition must be met: `anyOf(a, b)` is Airflow's `a | b`. */
export function anyOf(...conditions: AssetCondition[]): AssetAny {
  return withCombinators({ kind: 'any' as const, of: Object.freeze([...conditions]) });
}
