import { describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { taskMessageFromEnvironment } from '../../lib/runtime/fargate-task-environment.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * Fargate code tasks run locally from the same `ecs:runTask.waitForTaskToken` state as on AWS: the task message
 * is read back from the container environment the state sets, as the Fargate worker reads it.
 */
describe('Local engine: Fargate tasks', () => {
  it('runs each item of a mapped Fargate task with its index, item and partial arguments', async () => {
    const d = dag({ id: 'fargate_map' });
    const pages = d.task('pages', async () => [{ page: 1 }, { page: 2 }, { page: 3 }]);
    const sizes = d.expand(
      'measure',
      { over: pages, partial: { unit: 'kB' }, compute: 'fargate', fargate: { cpu: 512 } },
      async (ctx, item: { page: number }, args) => `${ctx.mapIndex}:${item.page}:${String(args.unit)}`,
    );
    d.task('total', { inputs: { sizes } }, async (_ctx, { sizes }) => sizes.join(' '));
    const { execution, tasks } = await runDagLocally({
      dag: d,
      ctx: manualContext(d),
      clock: new Clock({ speed: 50 }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    const items = tasks.filter((task) => task.taskId === 'measure' && task.mapIndex >= 0);
    expect(items.map((item) => [item.mapIndex, item.state, item.output])).toEqual([
      [0, 'success', '0:1:kB'],
      [1, 'success', '1:2:kB'],
      [2, 'success', '2:3:kB'],
    ]);
    expect(tasks.find((task) => task.taskId === 'total')?.output).toBe('0:1:kB 1:2:kB 2:3:kB');
  });
});

describe('Function: taskMessageFromEnvironment', () => {
  it('reads an unmapped try, and a mapped one with its item and partial arguments', () => {
    const base = {
      AIRSTEP_DAG_ID: 'd',
      AIRSTEP_DAG_VERSION: 'v1',
      AIRSTEP_TASK_ID: 't',
      AIRSTEP_EXECUTION_ARN: 'arn:aws:states:us-east-1:1:execution:airstep-d:run',
      AIRSTEP_RETRY_COUNT: '2',
      AIRSTEP_TASK_TOKEN: 'token',
      AIRSTEP_CTX: '{"dagId":"d"}',
      AIRSTEP_INPUT_rows: '[1,2]',
      PATH: '/usr/bin',
    };
    expect(taskMessageFromEnvironment(base)).toEqual({
      kind: 'task',
      dagId: 'd',
      dagVersion: 'v1',
      taskId: 't',
      executionArn: 'arn:aws:states:us-east-1:1:execution:airstep-d:run',
      retryCount: 2,
      token: 'token',
      ctx: { dagId: 'd' },
      inputs: { rows: [1, 2] },
      mapIndex: -1,
    });
    expect(
      taskMessageFromEnvironment({
        ...base,
        AIRSTEP_MAP_INDEX: '4',
        AIRSTEP_ITEM: '{"page":5}',
        AIRSTEP_PARTIAL: '{"unit":"kB"}',
      }),
    ).toMatchObject({ mapIndex: 4, item: { page: 5 }, partial: { unit: 'kB' } });
  });
});
