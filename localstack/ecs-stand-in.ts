import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { PACKAGE_ROOT } from '../lib/constructs/package-root.ts';

/** One worker RunTask carried out on the host. */
export interface StandInTry {
  readonly taskArn: string;
  /** The container's environment: the task definition's, then the RunTask overrides' (which win). */
  readonly environment: Readonly<Record<string, string>>;
  /** The entry point's exit code, once it has ended. */
  exitCode?: number | null;
}

/**
 * A stand-in for ECS on `stack:local`: MiniStack's ECS records a RunTask but runs no container. For each task of
 * the Fargate worker's family that a state machine's `ecs:runTask.waitForTaskToken` starts in the stack's cluster,
 * this starts the worker image's entry point (`lambdas/fargate-worker/main.ts`, run through tsx as the image's
 * CMD does) as a host process, with the container's environment exactly as ECS would give it: the task
 * definition's variables overlaid by the RunTask container overrides (the task token, the try, its context and
 * inputs). The emulator's endpoint and dummy credentials stand in for the task role. When the process ends, the
 * task is stopped. Container tasks (images of a DAG's own) are left alone: they need a container runtime.
 */
export class EcsStandIn {
  readonly tries: StandInTry[] = [];
  private readonly ecs = new ECSClient({});
  private readonly seen = new Set<string>();
  private readonly children = new Set<ChildProcess>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly cluster: string,
    /** The worker's task definition family. */
    private readonly family: string,
    /** What every started process gets besides the container environment (endpoint, region, credentials). */
    private readonly hostEnv: Readonly<Record<string, string>>,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.polling = this.pollOnce()
        .catch(() => undefined)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, 500);
        });
    };
    tick();
  }

  /** Starts an entry point for each new task of the worker family. */
  private async pollOnce(): Promise<void> {
    const { taskArns = [] } = await this.ecs.send(new ListTasksCommand({ cluster: this.cluster }));
    const fresh = taskArns.filter((arn) => !this.seen.has(arn));
    if (fresh.length === 0) return;
    const { tasks = [] } = await this.ecs.send(new DescribeTasksCommand({ cluster: this.cluster, tasks: fresh }));
    for (const task of tasks) {
      this.seen.add(task.taskArn!);
      const family = task.taskDefinitionArn?.split('/').pop()?.split(':')[0];
      if (family !== this.family) continue;
      await this.run(task);
    }
  }

  private async run(task: Task): Promise<void> {
    const { taskDefinition } = await this.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn! }),
    );
    const container = taskDefinition!.containerDefinitions!.find((definition) => definition.name === 'worker')!;
    const override = task.overrides?.containerOverrides?.find((found) => found.name === 'worker');
    const environment: Record<string, string> = {};
    for (const { name, value } of [...(container.environment ?? []), ...(override?.environment ?? [])])
      if (name !== undefined) environment[name] = value ?? '';
    const standIn: StandInTry = { taskArn: task.taskArn!, environment };
    this.tries.push(standIn);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx/esm', join(PACKAGE_ROOT, 'lambdas', 'fargate-worker', 'main.ts')],
      {
        cwd: PACKAGE_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.hostEnv, ...environment },
        stdio: 'ignore',
      },
    );
    this.children.add(child);
    child.on('exit', (code) => {
      standIn.exitCode = code;
      this.children.delete(child);
      void this.ecs
        .send(new StopTaskCommand({ cluster: this.cluster, task: task.taskArn!, reason: 'entry point ended' }))
        .catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    for (const child of this.children) child.kill('SIGKILL');
  }
}
