import { createHash } from 'node:crypto';
import { DeleteStateMachineCommand } from '@aws-sdk/client-sfn';
import { fillPlaceholders, type PlaceholderValues } from '../compiler/fill-placeholders.ts';
import { childArnPlaceholder } from '../compiler/parent-child-machines.ts';
import { PLACEHOLDER } from '../compiler/placeholders.ts';
import { deployStateMachine, type StateMachineDeps } from './state-machine-deploy.ts';

/**
 * The child state machines of a DAG split into a parent and children (lib/compiler/machine-split.ts), deployed
 * before the parent: each gets a new published version behind its own `live` alias (the console shows them as
 * the DAG's `-part-NN` machines), and the parent's `${ChildMachineArn_NN}` are filled with the ARNs of those
 * versions, not of the aliases: a parent version always starts the children it was compiled with, even when a
 * sync moves the aliases between a run's start and its children's. (An emulator without versions gets the
 * state machines themselves.)
 */

/** Step Functions' limit on a state machine name. */
const MAX_NAME = 80;

/**
 * A child's state machine name: the parent's with `-part-NN` added, or, when that is over 80 characters (a
 * 20-character prefix and a 59-character DAG id make 80 already), the parent's cut short with a hash of it in
 * place of the rest, so the name stays unique per DAG, deterministic, and under the stack's prefix (the grants'
 * resource pattern).
 */
export function childMachineName(parentName: string, childName: string): string {
  const full = `${parentName}-${childName}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(parentName).digest('hex').slice(0, 8);
  const keep = MAX_NAME - childName.length - hash.length - 2;
  return `${parentName.slice(0, keep)}-${hash}-${childName}`;
}

/** One compiled child as dag-sync deploys it: its name (`part-01`) and its ASL, placeholders filled. */
export interface ChildMachineDefinition {
  readonly name: string;
  readonly definition: string;
}

export interface DeployedChildren {
  /** The children's state machine names (the DAG record keeps them, to delete those a later version drops). */
  readonly names: string[];
  /** Child number (`01`) -> the ARN of the version just published, for the parent's `${ChildMachineArn_NN}`. */
  readonly childMachineArns: Record<string, string>;
}

/** Creates or updates every child (a new version behind `live`), in order, before the parent is deployed. */
export async function deployChildMachines(
  parentName: string,
  children: readonly ChildMachineDefinition[],
  version: string,
  deps: StateMachineDeps,
): Promise<DeployedChildren> {
  const names: string[] = [];
  const childMachineArns: Record<string, string> = {};
  for (const child of children) {
    const name = childMachineName(parentName, child.name);
    const deployed = await deployStateMachine(name, child.definition, version, deps);
    names.push(name);
    childMachineArns[childArnPlaceholder(child.name).slice(PLACEHOLDER.childMachineArnPrefix.length)] =
      deployed.versionArn ?? deployed.stateMachineArn;
  }
  return { names, childMachineArns };
}

/**
 * Deletes the child state machines a DAG no longer has (it shrank to fewer parts or back to one machine), after
 * its new parent is live. Step Functions lets their running executions finish (the machine is `DELETING` until
 * then), so a run of the old version still under way completes; its versions and aliases go with it.
 */
export async function deleteChildMachines(names: readonly string[], deps: StateMachineDeps): Promise<void> {
  const region = await deps.sfn.config.region();
  const account = deps.stateMachineRoleArn.split(':')[4];
  const partition = deps.stateMachineRoleArn.split(':')[1];
  for (const name of names) {
    const stateMachineArn = `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
    try {
      await deps.sfn.send(new DeleteStateMachineCommand({ stateMachineArn }));
    } catch (error) {
      // Already gone (a sync that stopped after deleting it): nothing left to do.
      if ((error as Error).name !== 'StateMachineDoesNotExist') throw error;
    }
  }
}

/** What dag-sync deploys of one compiled DAG: its definition and (split) its children, placeholders unfilled. */
export interface DagMachines {
  readonly asl: string;
  readonly children?: ReadonlyArray<{ readonly name: string; readonly asl: string }>;
}

/**
 * A DAG's state machines: its children first (placeholders filled as the parent's), then the parent with their
 * version ARNs, then the deletion of children the previous version had and this one does not. Answers the
 * parent's ARNs and the children's names, for the DAG record.
 */
export async function deployDagMachines(
  parentName: string,
  dag: DagMachines,
  values: PlaceholderValues,
  version: string,
  previousChildren: readonly string[],
  deps: StateMachineDeps,
): Promise<{ stateMachineArn: string; aliasArn: string; childMachines: string[] }> {
  const children = await deployChildMachines(
    parentName,
    (dag.children ?? []).map((child) => ({ name: child.name, definition: fillPlaceholders(child.asl, values) })),
    version,
    deps,
  );
  const definition = fillPlaceholders(dag.asl, { ...values, childMachineArns: children.childMachineArns });
  const { stateMachineArn, aliasArn } = await deployStateMachine(parentName, definition, version, deps);
  await deleteChildMachines(
    previousChildren.filter((name) => !children.names.includes(name)),
    deps,
  );
  return { stateMachineArn, aliasArn, childMachines: children.names };
}
