/**
 * The CloudWatch alarms a DAG asks for. When the DAG is deployed, dag-sync creates each alarm asked for on the
 * DAG's own series of the recorder's metrics (the `DagId` dimension) and wires it to the stack's alerts topic;
 * it deletes them when the DAG drops the option or goes away. The stack already alarms on any DAG's failed runs
 * and deadline misses; these name one DAG, so a team can route and silence its own.
 *
 * ```ts
 * dag({ id: 'billing', schedule: '@daily', alarms: { onFailure: true } });
 * ```
 *
 * Locally there is no CloudWatch: the local engine makes no alarm; `airstep list --json` and `validate` show
 * what the DAG asks for.
 */
export interface DagAlarms {
  /** Alarm when a run of this DAG fails (its `RunsFailed` is 1 or more in a 5-minute period). @default false */
  readonly onFailure?: boolean;
  /**
   * Alarm when a run of this DAG misses its deadline (`DeadlineMissed` 1 or more in a 5-minute period); needs the
   * DAG's `deadline`. @default false
   */
  readonly onDeadlineMiss?: boolean;
}

/** The alarm kinds, in the order they are created and named (`<prefix>-dag-<dagId>-<kind>`). */
export const DAG_ALARM_KINDS = ['onDeadlineMiss', 'onFailure'] as const;
export type DagAlarmKind = (typeof DAG_ALARM_KINDS)[number];
