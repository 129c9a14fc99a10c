export type { AslState, StateMachineDefinition } from './asl-types.ts';
export { buildIr } from './build-ir.ts';
export { type CompiledDag, type CompileOptions, compileDag } from './compile-dag.ts';
export { type DagIR, IR_VERSION, type TaskIR } from './ir.ts';
export { LIMITS } from './limits.ts';
export { type DagManifest, MANIFEST_VERSION, paramsJsonSchema } from './manifest.ts';
export { planStructure, type StructurePlan } from './plan-structure.ts';
export { decideTriggerRule, FINAL_STATES, type FinalState } from './trigger-rule-decision.ts';
