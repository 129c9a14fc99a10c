import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fargateSize } from '../../lib/compiler/fargate-size.ts';
import { dag } from '../../lib/sdk/dag.ts';
import type { FargateOptions } from '../../lib/sdk/task-options.ts';

type RunTaskParameters = {
  TaskDefinition: string;
  LaunchType: string;
  Overrides: { Cpu: string; Memory: string; ContainerOverrides: Array<{ Name: string; Command?: string[] }> };
};

/** The RunTask parameters of a one-task DAG whose task runs on Fargate with these options. */
function runTaskOf(fargate: FargateOptions): RunTaskParameters {
  const d = dag({ id: 'on_fargate' });
  d.task('train', { compute: 'fargate', fargate }, async () => 1);
  const { definition, problems } = compileDag(d);
  expect(problems).toEqual([]);
  const state = (
    definition as unknown as { States: Record<string, { Resource: string; Parameters: RunTaskParameters }> }
  ).States.train!;
  expect(state.Resource).toBe('arn:aws:states:::ecs:runTask.waitForTaskToken');
  return state.Parameters;
}

describe('Compiler: Fargate tasks', () => {
  it('runs every worker task on the one worker task definition, sized per task by RunTask overrides', () => {
    const sized = runTaskOf({ cpu: 2048, memory: 8192 });
    expect(sized.TaskDefinition).toBe('${WorkerTaskDefinition}');
    expect(sized.LaunchType).toBe('FARGATE');
    expect([sized.Overrides.Cpu, sized.Overrides.Memory]).toEqual(['2048', '8192']);
    expect(sized.Overrides.ContainerOverrides[0]!.Name).toBe('worker');

    // Half a size: the other half is the smallest Fargate pairs with it; neither: the smallest task.
    expect([runTaskOf({ cpu: 1024 }).Overrides.Cpu, runTaskOf({ cpu: 1024 }).Overrides.Memory]).toEqual([
      '1024',
      '2048',
    ]);
    expect([runTaskOf({ memory: 3072 }).Overrides.Cpu, runTaskOf({ memory: 3072 }).Overrides.Memory]).toEqual([
      '512',
      '3072',
    ]);
    expect([runTaskOf({}).Overrides.Cpu, runTaskOf({}).Overrides.Memory]).toEqual(['256', '512']);
  });

  it('lists the sizes in the manifest and runs an image task on its own task definition', () => {
    const d = dag({ id: 'sizes' });
    d.task('small', { compute: 'fargate' }, async () => 1);
    d.task('large', { compute: 'fargate', fargate: { cpu: 4096 } }, async () => 1);
    d.container('score', { image: 'public.ecr.aws/acme/score:1', command: ['score'], memory: 2048 });
    const { manifest, definition, problems } = compileDag(d);
    expect(problems).toEqual([]);
    expect(manifest!.compute.fargateWorkerSizes).toEqual([
      { cpu: 256, memory: 512 },
      { cpu: 4096, memory: 8192 },
    ]);
    expect(manifest!.compute.containers).toEqual([
      { taskKey: 'score', image: 'public.ecr.aws/acme/score:1', cpu: 256, memory: 2048 },
    ]);
    const score = JSON.stringify(definition).match(/"TaskDefinition":"([^"]+)"/g);
    expect(score).toContain('"TaskDefinition":"${ContainerTaskDefinition_score}"');
  });

  it('refuses a CPU and memory pair Fargate does not offer, naming the task and field', () => {
    const d = dag({ id: 'oversized' });
    d.task('train', { compute: 'fargate', fargate: { cpu: 4096, memory: 2048 } }, async () => 1);
    d.task('fit', { compute: 'fargate', fargate: { memory: 20_480 + 512 } }, async () => 1);
    const { problems } = compileDag(d);
    expect(problems.map((problem) => `${problem.taskId} › ${problem.field}: ${problem.message}`)).toEqual([
      'fit › fargate.memory: Fargate has no size with 20992 MiB of memory (512, 1024, 2048, then steps of 1024 up to 30720)',
      'train › fargate.memory: 4096 CPU units need 8192 to 30720 MiB (in steps of 1024) of memory on Fargate, got 2048',
    ]);
  });
});

describe('Function: fargateSize', () => {
  it('pairs each CPU size with the memory Fargate allows', () => {
    expect(fargateSize(256, 2048)).toEqual({ cpu: 256, memory: 2048 });
    expect(fargateSize(256, 3072)).toEqual({
      problem: '256 CPU units need 512, 1024 or 2048 MiB of memory on Fargate, got 3072',
    });
    expect(fargateSize(512, 4096)).toEqual({ cpu: 512, memory: 4096 });
    expect(fargateSize(1024, 9216)).toEqual({
      problem: '1024 CPU units need 2048 to 8192 MiB (in steps of 1024) of memory on Fargate, got 9216',
    });
    expect(fargateSize(undefined, 16_384)).toEqual({ cpu: 2048, memory: 16_384 });
    expect(fargateSize(undefined, 30_720)).toEqual({ cpu: 4096, memory: 30_720 });
    expect(fargateSize(undefined, 1536)).toEqual({
      problem: 'Fargate has no size with 1536 MiB of memory (512, 1024, 2048, then steps of 1024 up to 30720)',
    });
  });
});
