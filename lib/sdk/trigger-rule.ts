/**
 * When a task runs, given the final states of its direct upstream tasks (Airflow's trigger rules).
 * @see https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#trigger-rules
 */
export const TRIGGER_RULES = [
  'all_success',
  'all_failed',
  'all_done',
  'all_skipped',
  'one_success',
  'one_failed',
  'one_done',
  'none_failed',
  'none_failed_min_one_success',
  'none_skipped',
  'always',
] as const;

export type TriggerRule = (typeof TRIGGER_RULES)[number];

export function isTriggerRule(value: unknown): value is TriggerRule {
  return typeof value === 'string' && (TRIGGER_RULES as readonly string[]).includes(value);
}
