/**
 * How a task's effective priority weight is computed from `priorityWeight`s, as Airflow's `weight_rule`:
 * `downstream` (Airflow's default) adds the weights of every task downstream of it, `upstream` those of every
 * task upstream of it, `absolute` takes its own weight alone.
 */
export const WEIGHT_RULES = ['downstream', 'upstream', 'absolute'] as const;
export type WeightRule = (typeof WEIGHT_RULES)[number];
