import { dbtLikeDag } from '../_shared/dbt-like-graph.ts';

/**
 * A big DAG: 1,200 models of a dbt-like project, one task each. One state machine would be over Step Functions'
 * 1 MiB definition quota, so it compiles to a parent state machine and child state machines, dependencies kept
 * exact across them (README, "Big DAGs"). `npm run bench:bigdag` measures a 2,000-model one.
 */
export default dbtLikeDag('dbt_like_models', 1200);
