import { LocalStore } from '../../local/local-store.ts';
import { LocalTaskLogs } from '../../local/local-task-logs.ts';
import { type CloudStackOptions, resolveCloudStack, wantsCloud } from '../cloud-stack.ts';
import type { Checked } from '../run-input.ts';
import type { TaskLogSource } from './task-log-source.ts';

/** The local store's logs, or with `--stack` / `--outputs` the deployed stack's worker log groups. */
export async function openTaskLogSource(options: CloudStackOptions): Promise<Checked<TaskLogSource>> {
  if (!wantsCloud(options)) {
    const local = new LocalTaskLogs(new LocalStore());
    return { ok: true, value: local as TaskLogSource<number> as TaskLogSource };
  }
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return stack;
  const { workerLogGroup, fargateWorkerLogGroup, containerLogGroup, source } = stack.value;
  // The CloudWatch Logs client loads only when a command reads the deployed stack's logs.
  const [{ CloudWatchLogsClient }, { CloudTaskLogs }] = await Promise.all([
    import('@aws-sdk/client-cloudwatch-logs'),
    import('../../runs/cloud-task-logs.ts'),
  ]);
  const groups = [workerLogGroup, fargateWorkerLogGroup];
  const logs = new CloudTaskLogs(
    new CloudWatchLogsClient({}),
    groups,
    `log groups ${groups.join(', ')} of ${source} (container tasks' own output: ${containerLogGroup})`,
  );
  const adapter: TaskLogSource = {
    where: logs.where,
    read: (tags, after) => logs.readText(tags, after as Parameters<typeof logs.readText>[1]),
    latestTry: (query) => logs.latestTry(query),
  };
  return { ok: true, value: adapter };
}
