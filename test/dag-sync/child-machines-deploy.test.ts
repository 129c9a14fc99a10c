import {
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParallelState, TaskState } from '../../lib/compiler/asl-types.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { START_CHILDREN } from '../../lib/compiler/parent-child-machines.ts';
import { childMachineName, deployDagMachines } from '../../lib/dag-sync/child-machines-deploy.ts';
import { evaluatedChildren } from '../../lib/dag-sync/evaluated-children.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { type Dag, dag } from '../../lib/sdk/dag.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';

/**
 * dag-sync's deployment of a split DAG's state machines on moto (Step Functions with versions and aliases):
 * children first, each a published version behind `live`; the parent starting exactly those versions; the
 * children a later version no longer has deleted.
 */
const ROLE = 'arn:aws:iam::123456789012:role/airstep-state-machines';
const VALUES = {
  dagVersion: 'v1',
  controlQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/control',
  taskQueueUrls: { default: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasks' },
  xcomBucket: 'airstep-bucket',
};
let moto: RunningEmulator;
let sfn: SFNClient;

beforeAll(async () => {
  moto = await startEmulator('moto');
  sfn = new SFNClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials });
}, 120_000);
afterAll(async () => {
  sfn?.destroy();
  await moto?.stop();
});

/** A chain of `n` tasks, split with every task its own child. */
function chain(id: string, n: number): Dag {
  const d = dag({ id });
  let previous = d.task('t0', async () => 0);
  for (let i = 1; i < n; i++) previous = d.task(`t${i}`, async () => i).after(previous);
  return d;
}
const compiledSplit = (d: Dag) => {
  const compiled = compileDag(d, { splitAt: { definitionBytes: 1, historyEvents: 1 } });
  expect(compiled.problems).toEqual([]);
  return { asl: compiled.asl!, ...evaluatedChildren(compiled) };
};
const startedArns = (definition: string) =>
  (JSON.parse(definition).States[START_CHILDREN] as ParallelState).Branches.map(
    (branch) => (Object.values(branch.States)[0] as TaskState).Parameters!.StateMachineArn,
  );
const names = async () =>
  ((await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? []).map((machine) => machine.name!).sort();

describe('Function: deployDagMachines', () => {
  it('creates each child behind its live alias before the parent, which starts exactly the versions deployed with it', async () => {
    const deps = { sfn, stateMachineRoleArn: ROLE };
    const deployed = await deployDagMachines(
      'airstep-chain3',
      compiledSplit(chain('chain3', 3)),
      VALUES,
      'v1',
      [],
      deps,
    );
    expect(deployed.childMachines).toEqual([
      'airstep-chain3-part-01',
      'airstep-chain3-part-02',
      'airstep-chain3-part-03',
    ]);
    const parent = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: deployed.stateMachineArn }));
    const started = startedArns(parent.definition!);
    for (const [i, name] of deployed.childMachines.entries()) {
      const arn = `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
      const child = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      // Filled as the parent is: no placeholder left; keyed by the run's execution.
      expect(child.definition).not.toMatch(/\$\{/);
      expect(child.definition).toContain('$$.Execution.Input.runExecutionArn');
      const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${arn}:live` }));
      const version = alias.routingConfiguration![0]!.stateMachineVersionArn!;
      expect(version.startsWith(`${arn}:`)).toBe(true);
      expect(started[i]).toBe(version);
    }

    // Again, one task fewer: the children are updated to a new version, the parent starts those, part-03 goes.
    const again = await deployDagMachines(
      'airstep-chain3',
      compiledSplit(chain('chain3', 2)),
      { ...VALUES, dagVersion: 'v2' },
      'v2',
      deployed.childMachines,
      deps,
    );
    expect(again.childMachines).toEqual(['airstep-chain3-part-01', 'airstep-chain3-part-02']);
    const now = startedArns(
      (await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: again.stateMachineArn }))).definition!,
    );
    expect(now).toHaveLength(2);
    for (const [i, arn] of now.entries()) expect(arn).not.toBe(started[i]);
    expect((await names()).filter((name) => name.startsWith('airstep-chain3'))).toEqual([
      'airstep-chain3',
      'airstep-chain3-part-01',
      'airstep-chain3-part-02',
    ]);

    // Back to one machine: every child goes, the parent runs the tasks itself.
    const whole = compileDag(chain('chain3', 2));
    const one = await deployDagMachines('airstep-chain3', { asl: whole.asl! }, VALUES, 'v3', again.childMachines, deps);
    expect(one.childMachines).toEqual([]);
    expect((await names()).filter((name) => name.startsWith('airstep-chain3'))).toEqual(['airstep-chain3']);
  });
});

describe('Function: childMachineName', () => {
  it("adds -part-NN to the parent's name, or, over 80 characters, cuts it short with a hash of the whole name", () => {
    expect(childMachineName('airstep-etl', 'part-07')).toBe('airstep-etl-part-07');
    const longest = `${'p'.repeat(20)}-${'d'.repeat(59)}`;
    const other = `${'p'.repeat(20)}-${'d'.repeat(58)}e`;
    const a = childMachineName(longest, 'part-01');
    expect(a).toHaveLength(80);
    expect(a).toMatch(/^p{20}-d{42}-[0-9a-f]{8}-part-01$/);
    expect(childMachineName(longest, 'part-01')).toBe(a);
    expect(childMachineName(other, 'part-01')).not.toBe(a);
    expect(childMachineName(longest, 'part-02')).toBe(a.replace('part-01', 'part-02'));
  });
});
