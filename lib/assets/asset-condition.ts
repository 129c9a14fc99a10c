import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import type { AssetEvent } from './asset-event.ts';

/**
 * The asset-scheduling decision, pure: given a DAG's condition and the events queued for it (events on its assets
 * since it last consumed), is a run due, and which events does that run consume. As Airflow's scheduler does, a
 * run consumes every event queued for the DAG (of every asset its condition names), and its
 * `triggeringAssetEvents` are exactly those events.
 */

/** True when the condition holds, given which assets have at least one queued event. */
export function conditionMet(condition: AssetConditionIR, updated: ReadonlySet<string>): boolean {
  switch (condition.kind) {
    case 'asset':
      return updated.has(condition.uri);
    case 'all':
      return condition.of.every((child) => conditionMet(child, updated));
    case 'any':
      return condition.of.some((child) => conditionMet(child, updated));
  }
}

/** Every asset URI the condition names. */
export function conditionUris(condition: AssetConditionIR): Set<string> {
  const uris = new Set<string>();
  const visit = (node: AssetConditionIR) => {
    if (node.kind === 'asset') uris.add(node.uri);
    else for (const child of node.of) visit(child);
  };
  visit(condition);
  return uris;
}

export type AssetDecision =
  | { readonly due: false; readonly waitingFor: readonly string[] }
  | {
      readonly due: true;
      /** The events the run consumes, oldest first. */
      readonly consumed: readonly AssetEvent[];
      /** Asset URI -> its consumed events, oldest first: the run's `triggeringAssetEvents`. */
      readonly triggering: Readonly<Record<string, readonly AssetEvent[]>>;
    };

/**
 * Whether `queued` (events not yet consumed by this DAG; events on other assets are ignored) meet `condition`.
 * When not, `waitingFor` names the assets of the condition with no queued event (what `airstep assets` shows).
 */
export function assetDecision(condition: AssetConditionIR, queued: readonly AssetEvent[]): AssetDecision {
  const uris = conditionUris(condition);
  const relevant = queued.filter((event) => uris.has(event.uri)).sort(byId);
  const updated = new Set(relevant.map((event) => event.uri));
  if (!conditionMet(condition, updated)) {
    return { due: false, waitingFor: [...uris].filter((uri) => !updated.has(uri)).sort() };
  }
  const triggering: Record<string, AssetEvent[]> = {};
  for (const event of relevant) {
    triggering[event.uri] ??= [];
    triggering[event.uri]!.push(event);
  }
  return { due: true, consumed: relevant, triggering };
}

const byId = (a: AssetEvent, b: AssetEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
