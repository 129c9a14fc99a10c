import type { SensorOptions } from './task-spec.ts';

/**
 * Cross-DAG tasks: start another deployed DAG's run (Airflow's `TriggerDagRunOperator`) and wait for another
 * DAG's run or task (Airflow's `ExternalTaskSensor`). Both are steps of the state machine itself: no worker runs
 * them, and the waits between polls are Wait states.
 */

/** The states a run of another DAG may be in, as Airstep records them (Airflow's DagRun states, plus `interrupted`). */
export type ExternalRunState = 'queued' | 'running' | 'success' | 'failed' | 'interrupted';

/** The states another DAG's task may end in, as Airstep records them. */
export type ExternalTaskState = 'success' | 'failed' | 'skipped' | 'upstream_failed';

export interface TriggerDagSpec {
  readonly kind: 'trigger_dag';
  /** The DAG to start a run of (Airflow's `trigger_dag_id`). */
  readonly dagId: string;
  /** The run's conf, checked against that DAG's params; strings may hold `{{ templates }}`. */
  readonly conf?: Readonly<Record<string, unknown>>;
  /** A templated ISO date; unset: the time of the trigger (Airflow's default). */
  readonly logicalDate?: string;
  /** A templated run id (Airflow's `trigger_run_id`); unset: one derived from this run and task. */
  readonly runId?: string;
  /** Wait for the run to reach `allowedStates` or `failedStates` (Airflow's `wait_for_completion`). */
  readonly waitForCompletion: boolean;
  readonly allowedStates?: readonly ExternalRunState[];
  readonly failedStates?: readonly ExternalRunState[];
  /** How the wait polls: `pokeInterval`, `timeout`, `softFail`, `exponentialBackoff`, `maxWait`. */
  readonly sensor: SensorOptions;
}

export interface ExternalTaskSensorSpec {
  readonly kind: 'external_task_sensor';
  /** The DAG whose run (for the same logical date) is waited for (Airflow's `external_dag_id`). */
  readonly externalDagId: string;
  /** A task of that DAG; unset: the whole run (Airflow's `external_task_id=None`). */
  readonly externalTaskId?: string;
  /** A templated ISO date: the logical date of the run to wait for; unset: this run's `{{ logical_date }}`. */
  readonly logicalDate?: string;
  /** Run states when no task is named, else task states. */
  readonly allowedStates?: readonly string[];
  readonly failedStates?: readonly string[];
  readonly skippedStates?: readonly string[];
  readonly sensor: SensorOptions;
}

/** Options of `triggerDag` (besides the common task options). */
export interface TriggerDagOptions extends SensorOptions {
  /** The DAG to start a run of (Airflow's `trigger_dag_id`); it cannot be this DAG. */
  readonly dagId: string;
  /** The run's conf (templated strings), checked against that DAG's params: a bad conf starts no run. */
  readonly conf?: Readonly<Record<string, unknown>>;
  /** The run's logical date, templated (`'{{ logical_date }}'`). @default the time of the trigger */
  readonly logicalDate?: string;
  /**
   * The run's id, templated (Airflow's `trigger_run_id`). @default `triggered__<this dag>.<this task>__<this run id>`,
   * so a retried or cleared trigger finds the run it started instead of starting a second one.
   */
  readonly runId?: string;
  /** Wait until the run reaches `allowedStates` (success) or `failedStates` (failed). @default false */
  readonly waitForCompletion?: boolean;
  /** Run states that end the wait with success. @default ['success'] */
  readonly allowedStates?: readonly ExternalRunState[];
  /** Run states that end the wait with failure. @default ['failed'] */
  readonly failedStates?: readonly ExternalRunState[];
}

/** Options of `externalTaskSensor` (besides the common task options). */
export interface ExternalTaskSensorOptions extends SensorOptions {
  /** The DAG to wait for (Airflow's `external_dag_id`). */
  readonly externalDagId: string;
  /** The task of that DAG to wait for; unset: its whole run. */
  readonly externalTaskId?: string;
  /**
   * The logical date of the run to wait for, templated. @default '{{ logical_date }}' (this run's). Matched as
   * written: both DAGs must have the same time zone (a logical date carries its DAG's offset).
   */
  readonly logicalDate?: string;
  /** States that end the wait with success: run states, or task states with `externalTaskId`. @default ['success'] */
  readonly allowedStates?: readonly string[];
  /** States that fail the sensor at once. @default ['failed'] for a run, none for a task (as Airflow) */
  readonly failedStates?: readonly string[];
  /** States that skip the sensor at once. @default none */
  readonly skippedStates?: readonly string[];
}
