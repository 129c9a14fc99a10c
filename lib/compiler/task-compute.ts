import { type FargateSize, fargateRunSize } from './fargate-size.ts';
import type { TaskIR } from './ir.ts';

/**
 * Where a task's own work runs, as a person reading the DAG asks: `lambda` or `fargate` for a task an Airstep
 * worker (or a container) runs, with the Fargate size the compiler chose (the smallest that fits what was asked);
 * nothing for the steps Step Functions runs itself (native steps, waits, Lambda invokes, S3 sensors).
 */
export function taskCompute(task: TaskIR): { readonly compute?: 'lambda' | 'fargate'; readonly size?: FargateSize } {
  if (task.kind === 'container') return { compute: 'fargate', size: fargateRunSize(task.fargate) };
  if (task.kind === 'code' && task.compute === 'fargate')
    return { compute: 'fargate', size: fargateRunSize(task.fargate) };
  if (task.kind === 'code' || task.kind === 'poll_sensor') return { compute: task.compute };
  return {};
}
