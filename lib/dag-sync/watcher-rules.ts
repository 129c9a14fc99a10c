import { createHash } from 'node:crypto';
import {
  DeleteRuleCommand,
  type EventBridgeClient,
  ListRulesCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import type { AssetWatcherIR } from '../compiler/asset-watchers-ir.ts';
import { watcherEventPattern } from '../compiler/asset-watchers-ir.ts';
import { watchedAssets } from '../compiler/watched-assets.ts';
import { watcherInputTransformer } from '../compiler/watcher-input-transformer.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import { watcherRuleNamePrefix } from '../stack-contract/watcher-rules.ts';

/** What dag-sync needs to keep a DAG's watcher rules: EventBridge, the stack's name prefix, the trigger function. */
export interface WatcherRuleSettings {
  readonly events: EventBridgeClient;
  readonly namePrefix: string;
  readonly triggerArn: string;
}

/** The one target of every watcher rule: the trigger function, with the input made by the rule's transformer. */
export const WATCHER_TARGET_ID = 'trigger';

/**
 * A watcher rule's name: `<prefix>-watch-<dag hash>-<asset and watcher hash>`, deterministic, at most 48 characters
 * (a name prefix is at most 20), and listable per DAG. The rule's description names the DAG, asset and watcher.
 */
export function watcherRuleName(namePrefix: string, dagId: string, uri: string, watcher: string): string {
  return `${dagRulePrefix(namePrefix, dagId)}${hash(`${uri}\n${watcher}`)}`;
}

function dagRulePrefix(namePrefix: string, dagId: string): string {
  return `${watcherRuleNamePrefix(namePrefix)}${hash(dagId)}-`;
}

/** One rule as PutRule and PutTargets take it. */
export interface WatcherRule {
  readonly name: string;
  readonly description: string;
  readonly eventPattern: string;
  readonly inputTransformer: { readonly InputPathsMap: Record<string, string>; readonly InputTemplate: string };
}

/** The rules a DAG scheduled on `assets` needs: one per watcher of each asset it is scheduled on. Pure. */
export function watcherRules(namePrefix: string, dagId: string, assets: AssetConditionIR | undefined): WatcherRule[] {
  if (assets === undefined) return [];
  return watchedAssets([{ dagId, assets }]).map(({ uri, watcher }) => ({
    name: watcherRuleName(namePrefix, dagId, uri, watcher.name),
    // EventBridge's limit on a description is 512 characters.
    description: `Airstep: DAG ${dagId}, asset ${uri}, watcher ${watcher.name}`.slice(0, 512),
    eventPattern: JSON.stringify(watcherEventPattern(watcher)),
    inputTransformer: inputTransformerOf(uri, watcher),
  }));
}

/**
 * Makes the DAG's watcher rules on the default bus what its assets ask for: PutRule and PutTargets for each (both
 * create or update: the same input again changes nothing), then RemoveTargets and DeleteRule for the DAG's rules no
 * longer wanted (every one for a DAG that went away or lost its watchers). Rules stay enabled while a DAG is
 * paused: its events are recorded and queued, as Airflow's are, and run when it is unpaused.
 */
export async function syncWatcherRules(
  dagId: string,
  assets: AssetConditionIR | undefined,
  settings: WatcherRuleSettings,
): Promise<{ readonly put: string[]; readonly deleted: string[] }> {
  const wanted = watcherRules(settings.namePrefix, dagId, assets);
  for (const rule of wanted) {
    await settings.events.send(
      new PutRuleCommand({
        Name: rule.name,
        Description: rule.description,
        EventPattern: rule.eventPattern,
        State: 'ENABLED',
      }),
    );
    const response = await settings.events.send(
      new PutTargetsCommand({
        Rule: rule.name,
        Targets: [{ Id: WATCHER_TARGET_ID, Arn: settings.triggerArn, InputTransformer: rule.inputTransformer }],
      }),
    );
    if ((response.FailedEntryCount ?? 0) > 0)
      throw new WatcherRuleError(
        `rule ${rule.name}: target not set: ${response.FailedEntries?.map((entry) => entry.ErrorMessage).join('; ')}`,
      );
  }
  const keep = new Set(wanted.map((rule) => rule.name));
  const deleted: string[] = [];
  for (const name of await rulesOf(dagId, settings)) {
    if (keep.has(name)) continue;
    await settings.events.send(new RemoveTargetsCommand({ Rule: name, Ids: [WATCHER_TARGET_ID] }));
    await settings.events.send(new DeleteRuleCommand({ Name: name }));
    deleted.push(name);
  }
  return { put: wanted.map((rule) => rule.name), deleted };
}

/** The names of the DAG's watcher rules on the default bus. */
async function rulesOf(dagId: string, settings: WatcherRuleSettings): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await settings.events.send(
      new ListRulesCommand({
        NamePrefix: dagRulePrefix(settings.namePrefix, dagId),
        ...(token !== undefined ? { NextToken: token } : {}),
      }),
    );
    names.push(...(page.Rules ?? []).flatMap((rule) => (rule.Name !== undefined ? [rule.Name] : [])));
    token = page.NextToken;
  } while (token !== undefined);
  return names;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/** The transformer as the SDK's (mutable) input type takes it. */
function inputTransformerOf(uri: string, watcher: AssetWatcherIR) {
  const transformer = watcherInputTransformer(uri, watcher);
  return { InputPathsMap: { ...transformer.InputPathsMap }, InputTemplate: transformer.InputTemplate };
}

/** EventBridge refused a watcher rule's target. */
export class WatcherRuleError extends AirstepError {
  override readonly name = 'WatcherRuleError';

  constructor(message: string) {
    super(message, { code: 'WATCHER_RULE' });
  }
}
