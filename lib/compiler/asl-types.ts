/** The subset of Amazon States Language (JSONPath) the compiler emits. */
export type AslState = Record<string, unknown> & { readonly Type: string };

export interface StateMachineDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Record<string, AslState>;
}

/** A Choice rule: a comparison on a `Variable`, or `And`/`Or`/`Not` of rules. */
export type ChoiceRule = Record<string, unknown>;
