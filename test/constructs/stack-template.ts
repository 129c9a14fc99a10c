import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/** The context `cdk synth` runs with (feature flags from cdk.json), so tests synthesize what the CLI does. */
export const CDK_CONTEXT = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;

/** A fresh output folder for one synthesis (the OS cleans /tmp; each file synthesizes once). */
export const synthOutdir = (): string => mkdtempSync(join(tmpdir(), 'airstep-cdk-'));

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is free-form; the assertions check its shape.
export type Json = any;

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: Json;
  readonly Condition?: Json;
}

/** Reading a synthesized stack: resources by type, logical ids of constructs, and the IAM statements of a role. */
export class StackTemplate {
  readonly template: Template;
  readonly json: Json;

  constructor(
    readonly stack: Stack,
    app: App,
  ) {
    const assembly = app.synth();
    this.json = assembly.getStackByName(stack.stackName).template;
    this.template = Template.fromJSON(this.json);
  }

  /** `[logicalId, resource]` of every resource of a type. */
  resources(type: string): Array<[string, Json]> {
    return Object.entries(this.json.Resources as Record<string, Json>).filter(([, resource]) => resource.Type === type);
  }

  /** The logical id of an L2 construct's (or an L1's) resource. */
  id(construct: IConstruct): string {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return Stack.of(construct).getLogicalId(element);
  }

  resource(construct: IConstruct): Json {
    return this.json.Resources[this.id(construct)];
  }

  /** Every Allow statement of the policies attached to a role. */
  statementsOf(role: IConstruct): Statement[] {
    const roleId = this.id(role);
    return this.resources('AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties.Roles as Json[]).some((ref) => ref.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[])
      .filter((statement) => statement.Effect === 'Allow');
  }
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): Json[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** Logical ids a value refers to (`Ref`, `Fn::GetAtt`), anywhere inside it. */
export function referencedIds(value: Json): Set<string> {
  const ids = new Set<string>();
  const walk = (node: Json) => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') {
      if (typeof node.Ref === 'string' && !node.Ref.startsWith('AWS::')) ids.add(node.Ref);
      if (Array.isArray(node['Fn::GetAtt'])) ids.add(node['Fn::GetAtt'][0]);
      for (const child of Object.values(node)) walk(child);
    }
  };
  walk(value);
  return ids;
}
