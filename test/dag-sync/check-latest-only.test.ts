import { describe, expect, it } from 'vitest';
import { compileFiles } from '../../lib/cli/compile-files.ts';
import { checkCompiledDags, type StackTargets } from '../../lib/dag-sync/check-compiled-dag.ts';

const STACK: StackTargets = {
  queueUrls: ['https://sqs.us-east-1.amazonaws.com/123456789012/tasks'],
  ecsClusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/airstep',
  workerTaskDefinition: 'airstep-worker',
};

describe('dag-sync: a DAG with latestOnly', () => {
  it("passes dag-sync's check of the evaluator's answer (its states call no AWS service)", async () => {
    const [file] = await compileFiles(['test/fixtures/local/latest_only.ts']);
    const claims = file!.compiled.map((dag) => ({
      dagId: dag.ir.dagId,
      ir: dag.ir,
      asl: dag.asl!,
      manifest: dag.manifest!,
    }));
    expect(claims.map((claim) => claim.dagId)).toEqual(['latest_only_daily']);
    expect(checkCompiledDags(claims, STACK)).toEqual([]);
    // A forged definition is still refused, so the empty answer above means something.
    const forged = {
      ...claims[0]!,
      asl: claims[0]!.asl.replace(
        '"Type": "Pass"',
        '"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:iam:createUser"',
      ),
    };
    expect(checkCompiledDags([forged], STACK)).not.toEqual([]);
  });
});
