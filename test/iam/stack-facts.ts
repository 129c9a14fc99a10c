import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { AirstepStack, type AirstepStackProps } from '../../lib/constructs/airstep-stack.ts';
import { CDK_CONTEXT, type Json, synthOutdir } from '../constructs/stack-template.ts';
import type { StackRole } from './stack-role.ts';

/** What the IAM check reads of the synthesized default stack (the one `npx cdk deploy` creates). */
export interface StackFacts {
  /** The template's `Resources`. */
  readonly resources: Record<string, Json>;
  /** Logical id of each role's `AWS::IAM::Role`. */
  readonly roles: Record<StackRole, string>;
  /** The Airstep environment each role's code is given, as template values (intrinsics unresolved). */
  readonly environments: Partial<Record<StackRole, Record<string, Json>>>;
}

/**
 * Synthesizes `AirstepStack` as `cdk synth` does (cdk.json's context), without bundling the Lambda code; `props`
 * for a test of a stack other than the default one.
 */
export function synthesizeStackFacts(props: AirstepStackProps = {}): StackFacts {
  const app = new App({ outdir: synthOutdir(), context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new AirstepStack(app, 'AirstepStack', props);
  const resources = app.synth().getStackByName(stack.stackName).template.Resources as Record<string, Json>;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    Stack.of(stack).getLogicalId(construct.node.defaultChild as CfnElement);
  const { airstep } = stack;
  const fns = airstep.functions.functions;
  const roleOf = (role: iam.IRole) => logicalId(role as iam.Role);
  const functionEnv = (fn: keyof typeof fns) =>
    (resources[logicalId(fns[fn])]?.Properties?.Environment?.Variables ?? {}) as Record<string, Json>;
  const container = resources[logicalId(airstep.fargate.taskDefinition)].Properties.ContainerDefinitions[0];
  return {
    resources,
    roles: {
      dagSync: roleOf(fns.dagSync.role!),
      dagEvaluator: roleOf(airstep.functions.evaluator.role!),
      worker: roleOf(fns.worker.role!),
      trigger: roleOf(fns.trigger.role!),
      recorder: roleOf(fns.recorder.role!),
      fargateWorker: roleOf(airstep.fargate.taskDefinition.taskRole),
      containerTask: roleOf(airstep.fargate.containerTaskRole),
      stateMachine: roleOf(airstep.stateMachineRole.role),
    },
    environments: {
      dagSync: functionEnv('dagSync'),
      worker: functionEnv('worker'),
      trigger: functionEnv('trigger'),
      recorder: functionEnv('recorder'),
      fargateWorker: Object.fromEntries(
        (container.Environment ?? []).map((entry: { Name: string; Value: Json }) => [entry.Name, entry.Value]),
      ),
    },
  };
}
