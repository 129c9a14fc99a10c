import type { RunContext } from '../compiler/worker-contract.ts';
import type { DagRecord } from '../dynamo/dag-record.ts';
import { deadlineAt } from '../schedule/index.ts';
import { type DeadlineMissDeps, type DeadlineMissResult, recordDeadlineMiss } from './deadline-miss.ts';
import {
  DEADLINE_EVENT_SOURCE,
  type DeadlineScheduling,
  DeadlineSchedulingMissingError,
  disarmDeadline,
} from './deadline-schedule.ts';

/**
 * The recorder's part when a run ends: a run that ended by its deadline has its schedule deleted; one that ended
 * after it missed it, even if the schedule has not fired yet (Scheduler may fire a little late, and its deletion
 * here would otherwise lose the miss). Undefined for a DAG without a deadline.
 */
export async function settleRunDeadline(
  input: {
    readonly dag: DagRecord | undefined;
    readonly ctx: Pick<RunContext, 'dagId' | 'runId' | 'logicalDate' | 'dataIntervalEnd'>;
    readonly endedAt: Date;
    /** When the trigger accepted the run (the run record's `triggeredAt`); else its start. */
    readonly queuedAt: Date;
  },
  deps: DeadlineMissDeps & { readonly deadlines?: Pick<DeadlineScheduling, 'scheduler' | 'group'> },
): Promise<DeadlineMissResult | undefined> {
  const spec = input.dag?.deadline;
  if (spec === undefined) return undefined;
  if (deps.deadlines === undefined) throw new DeadlineSchedulingMissingError(input.ctx.dagId, 'recorder');
  const deadline = deadlineAt(spec, { ...input.ctx, queuedAt: input.queuedAt });
  if (input.endedAt.getTime() <= deadline.getTime()) {
    await disarmDeadline(input.ctx.dagId, input.ctx.runId, deps.deadlines);
    return { missed: false, recorded: false, alerted: false };
  }
  return recordDeadlineMiss(
    {
      source: DEADLINE_EVENT_SOURCE,
      dagId: input.ctx.dagId,
      runId: input.ctx.runId,
      deadline: deadline.toISOString(),
      alert: spec.alert,
    },
    deps,
  );
}
