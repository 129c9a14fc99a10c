import { evaluateIfAsked } from './dag-evaluator.ts';

/** Entry of the process that evaluates one DAG file (AIRSTEP_EVALUATE); see evaluate-dag-source.ts. */
await evaluateIfAsked();
