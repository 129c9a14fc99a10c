import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { type ScheduleSpec, toEventBridgeSchedules } from '../schedule/index.ts';
import type { DagSyncDeps } from './dag-sync.ts';

/** What managing a DAG's schedules uses of dag-sync's dependencies. */
export type ScheduleDeps = Pick<DagSyncDeps, 'scheduler' | 'schedules' | 'now'>;

/**
 * The DAG's EventBridge Scheduler schedules, named `<dag>--<n>`; ones no longer needed are deleted. A paused
 * DAG's schedules are written DISABLED (`state`), so uploading its file again never resumes it.
 */
export async function setSchedules(
  dagId: string,
  spec: ScheduleSpec,
  deps: ScheduleDeps,
  state: ScheduleState = 'ENABLED',
): Promise<void> {
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
      State: state,
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
async function scheduleNames(dagId: string, deps: ScheduleGroupDeps): Promise<Set<string>> {
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

export type ScheduleState = 'ENABLED' | 'DISABLED';

/** What changing the state of a DAG's schedules needs: the client and the group (the CLI has no more). */
export interface ScheduleGroupDeps {
  readonly scheduler: SchedulerClient;
  readonly schedules: { readonly group: string };
  readonly now?: () => Date;
}

/** Every schedule of the DAG set to DISABLED, as it is (see setSchedulesState). */
export async function disableSchedules(dagId: string, deps: ScheduleGroupDeps): Promise<string[]> {
  return setSchedulesState(dagId, 'DISABLED', deps);
}

/**
 * Every schedule of the DAG set to `state` and otherwise kept as it is: UpdateSchedule replaces the whole
 * schedule, so each is read first (GetSchedule) and written back with every field it had. A start date already
 * past is left out (EventBridge refuses one more than 5 minutes old; it bounds nothing any more). Answers the
 * names of the schedules it changed (one already in that state is left alone).
 */
export async function setSchedulesState(
  dagId: string,
  state: ScheduleState,
  deps: ScheduleGroupDeps,
): Promise<string[]> {
  const now = deps.now?.() ?? new Date();
  const changed: string[] = [];
  for (const name of [...(await scheduleNames(dagId, deps))].sort()) {
    const schedule = await deps.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: deps.schedules.group }));
    if (schedule.State === state) continue;
    const future = (date: Date | undefined) => date !== undefined && date.getTime() > now.getTime() + 5 * 60_000;
    await deps.scheduler.send(
      new UpdateScheduleCommand({
        Name: name,
        GroupName: deps.schedules.group,
        ScheduleExpression: schedule.ScheduleExpression!,
        ...(schedule.ScheduleExpressionTimezone !== undefined
          ? { ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone }
          : {}),
        ...(future(schedule.StartDate) ? { StartDate: schedule.StartDate } : {}),
        ...(schedule.EndDate !== undefined ? { EndDate: schedule.EndDate } : {}),
        ...(schedule.Description !== undefined ? { Description: schedule.Description } : {}),
        ...(schedule.KmsKeyArn !== undefined ? { KmsKeyArn: schedule.KmsKeyArn } : {}),
        ...(schedule.ActionAfterCompletion !== undefined
          ? { ActionAfterCompletion: schedule.ActionAfterCompletion }
          : {}),
        FlexibleTimeWindow: schedule.FlexibleTimeWindow ?? { Mode: 'OFF' },
        Target: schedule.Target!,
        State: state,
      }),
    );
    changed.push(name);
  }
  return changed;
}
