/**
 * Airflow's `default_pool` size: a pool nobody sized (the stack's `pools` prop on AWS, `airstep.config.json`
 * locally) has as many slots, in the cloud worker and the local engine alike.
 */
export const DEFAULT_POOL_SLOTS = 128;
