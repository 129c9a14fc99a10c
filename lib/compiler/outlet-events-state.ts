import type { AslState, PayloadTemplate, Retrier } from './asl-types.ts';
import type { TaskIR } from './ir.ts';
import { keptOutletsChoice } from './kept-outlets.ts';
import { carriesOutletExtra, OUTLET_EXTRA_FIELD } from './outlet-extra.ts';
import { placeholder } from './placeholders.ts';

/** EventBridge's limit of entries per PutEvents call. */
const ENTRIES_PER_CALL = 10;

/** How Airstep's own asset events are marked on the stack's asset bus: the rule that hands them to the trigger matches these. */
export const ASSET_EVENT_SOURCE = 'airstep.assets';
export const ASSET_EVENT_DETAIL_TYPE = 'Airstep asset updated';

/** The state a producing task records its asset events in: `<task>:outlets`. */
export const OUTLETS_STATE_SUFFIX = ':outlets';

/**
 * A task with outlets records one asset event per outlet when the task as a whole succeeds: its success path goes
 * through one `events:putEvents` state onto the stack's asset bus before going on to `next`. Each entry's Detail
 * is the trigger's `asset` event (lib/runs/trigger-event.ts), so whatever else puts such an event on the bus is
 * handled alike. Returns where the task's success exit must lead (the new state, or `next` for a task without
 * outlets).
 *
 * The event id decides what the trigger records once. A code task's id holds its try number: a cleared run's kept
 * instance passes this state again in the new execution with its old try number, so its events are the ones
 * already recorded (nothing new, as Airflow's kept instance records nothing); a task run again by the clear has a
 * new try number and records anew. Other kinds have no try number in their record: their id is the execution's;
 * of them only `empty` can be kept by a clear, and a kept one passes its outlets state by (kept-outlets.ts).
 */
export function outletEventsState(
  dagId: string,
  task: Pick<TaskIR, 'id' | 'key' | 'kind' | 'outlets'> & { readonly mapping?: unknown },
  taskStateName: string,
  next: string,
  add: (name: string, state: AslState) => void,
  end: (target: string) => Record<string, unknown>,
): string {
  const outlets = task.outlets ?? [];
  if (outlets.length === 0) return next;
  const withTry = task.kind === 'code' && task.mapping === undefined;
  // What the task's code attached (`ctx.outletEvents(asset).extra`), answered by its worker beside its result.
  const withExtra = carriesOutletExtra({ kind: task.kind, mapped: task.mapping !== undefined });
  const entries = outlets.map(
    (outlet, index): PayloadTemplate => ({
      EventBusName: placeholder.assetEventBusName,
      Source: ASSET_EVENT_SOURCE,
      DetailType: ASSET_EVENT_DETAIL_TYPE,
      Detail: {
        kind: 'asset',
        uri: outlet.uri,
        'eventId.$': withTry
          ? `States.Format('{}/${task.key}/try{}/${index}', $.ctx.runId, $.tasks.${task.key}.try)`
          : `States.Format('{}/${task.key}/${index}', $$.Execution.Id)`,
        'timestamp.$': '$$.State.EnteredTime',
        // An event's own facts (Airflow's `AssetEvent.extra`); `{}` for a task whose code cannot attach any.
        ...(withExtra ? { 'extra.$': `$.tasks.${task.key}.${OUTLET_EXTRA_FIELD}[${index}]` } : { extra: {} }),
        sourceDagId: dagId,
        sourceTaskId: task.id,
        'sourceRunId.$': '$.ctx.runId',
      },
    }),
  );
  const name = `${taskStateName}${OUTLETS_STATE_SUFFIX}`;
  // PutEvents takes at most 10 entries; a task with more outlets (rare) gets one state per 10, in a chain.
  const chunks: PayloadTemplate[][] = [];
  for (let i = 0; i < entries.length; i += ENTRIES_PER_CALL) chunks.push(entries.slice(i, i + ENTRIES_PER_CALL));
  const names = chunks.map((_, i) => (i === 0 ? name : `${name}${i + 1}`));
  chunks.forEach((chunk, i) => {
    add(names[i]!, {
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: { Entries: chunk },
      ResultPath: null,
      Retry: [RETRY],
      ...end(names[i + 1] ?? next),
    });
  });
  return task.kind === 'empty' ? keptOutletsChoice(task.key, taskStateName, name, next, add, end) : name;
}

/** EventBridge throttling or a brief outage must not lose the events: retry for about two minutes. */
const RETRY: Retrier = { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 };
