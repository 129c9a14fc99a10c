import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { type ScheduleSpec, toEventBridgeSchedules } from '../schedule/index.ts';
import type { DagSyncDeps } from './dag-sync.ts';

/** What managing a DAG's schedules uses of dag-sync's dependencies. */
export type ScheduleDeps = Pick<DagSyncDeps, 'scheduler' | 'schedules' | 'now'>;

/** The DAG's EventBridge Scheduler schedules, named `<dag>--<n>`; ones no longer needed are deleted. */
export async function setSchedules(dagId: string, spec: ScheduleSpec, deps: ScheduleDeps): Promise<void> {
  const now = deps.now?.() ?? new Date();
  const wanted = toEventBridgeSchedules(spec, { now });
  // EventBridge refuses a StartDate in the past (more than 5 minutes ago); one that near is no bound anyway.
  const startDate = (iso: string | undefined) =>
    iso !== undefined && Date.parse(iso) > now.getTime() + 5 * 60_000 ? { StartDate: new Date(iso) } : {};
  const existing = await scheduleNames(dagId, deps);
  for (const [index, schedule] of wanted.entries()) {
    const input = {
      Name: `${dagId}--${index}`,
      GroupName: deps.schedules.group,
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: schedule.timezone,
      ...startDate(schedule.startDate),
      ...(schedule.endDate !== undefined ? { EndDate: new Date(schedule.endDate) } : {}),
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      State: 'ENABLED' as const,
      Target: {
        Arn: deps.schedules.triggerArn,
        RoleArn: deps.schedules.roleArn,
        Input: scheduleFireInput(dagId),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    };
    if (existing.has(input.Name)) await deps.scheduler.send(new UpdateScheduleCommand(input));
    else await deps.scheduler.send(new CreateScheduleCommand(input));
    existing.delete(input.Name);
  }
  for (const name of existing) {
    await deps.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: deps.schedules.group }));
  }
}

/**
 * What a schedule of the DAG sends the trigger: a `scheduled` event whose time EventBridge Scheduler fills in
 * from its context attribute when it fires.
 */
export function scheduleFireInput(dagId: string): string {
  return JSON.stringify({ kind: 'scheduled', dagId, scheduledTime: '<aws.scheduler.scheduled-time>' });
}

/**
 * The DAG's own schedules: `<dagId>--<n>` exactly. The prefix also lists the schedules of a DAG whose id starts
 * with `<dagId>--` (`etl--1` beside `etl`), which must be left alone.
 */
async function scheduleNames(dagId: string, deps: ScheduleDeps): Promise<Set<string>> {
  const prefix = `${dagId}--`;
  const names = new Set<string>();
  let nextToken: string | undefined;
  do {
    const listed = await deps.scheduler.send(
      new ListSchedulesCommand({ GroupName: deps.schedules.group, NamePrefix: prefix, NextToken: nextToken }),
    );
    for (const { Name: name } of listed.Schedules ?? []) {
      if (name?.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length))) names.add(name);
    }
    nextToken = listed.NextToken;
  } while (nextToken !== undefined);
  return names;
}

/** Every schedule of the DAG set to DISABLED, as it is (UpdateSchedule replaces the whole schedule). */
export async function disableSchedules(dagId: string, deps: ScheduleDeps): Promise<void> {
  for (const name of await scheduleNames(dagId, deps)) {
    const schedule = await deps.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: deps.schedules.group }));
    if (schedule.State === 'DISABLED') continue;
    await deps.scheduler.send(
      new UpdateScheduleCommand({
        Name: name,
        GroupName: deps.schedules.group,
        ScheduleExpression: schedule.ScheduleExpression!,
        ...(schedule.ScheduleExpressionTimezone !== undefined
          ? { ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone }
          : {}),
        ...(schedule.EndDate !== undefined ? { EndDate: schedule.EndDate } : {}),
        FlexibleTimeWindow: schedule.FlexibleTimeWindow ?? { Mode: 'OFF' },
        Target: schedule.Target!,
        State: 'DISABLED',
      }),
    );
  }
}
