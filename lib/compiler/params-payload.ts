import { Buffer } from 'node:buffer';

/**
 * Step Functions refuses an execution input or state output over 256 KiB, and every run's input carries its params
 * (defaults filled in) inside the run context that each state passes on. Params whose defaults alone near that
 * limit would make every run that does not override them fail at its first state (locally: a run that fails
 * with a task left `running`), so the compiler refuses them; the trigger and `airstep run` refuse a conf that
 * pushes the params past the same budget, before any run exists. A mapped task's literal list and its `partial`
 * arguments travel in a state's output (and each item's SQS message) the same way. What a run also carries (the
 * run context's other fields, task records, small XCom values) needs room too: `RESERVED_BYTES` is kept for it.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (payload size)
 */
export const PAYLOAD_LIMIT_BYTES = 262_144;
export const RESERVED_BYTES = 32_768;
const BUDGET_BYTES = PAYLOAD_LIMIT_BYTES - RESERVED_BYTES;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** The problem with the params' defaults, or undefined when they fit. */
export function paramsPayloadProblem(defaults: Readonly<Record<string, unknown>>): string | undefined {
  return overBudget('the defaults are', defaults, 'keep defaults under');
}

/** The problem with a run's params (conf merged over the defaults), or undefined when they fit. */
export function runParamsPayloadProblem(params: Readonly<Record<string, unknown>>): string | undefined {
  return overBudget("the run's params (conf with defaults filled in) are", params, 'keep them under');
}

/** The problem with a mapped task's literal list and partial arguments together, or undefined when they fit. */
export function mappingPayloadProblem(parts: Readonly<Record<string, unknown>>): string | undefined {
  return overBudget("the mapping's literal data is", parts, 'keep it under');
}

function overBudget(subject: string, parts: Readonly<Record<string, unknown>>, advice: string): string | undefined {
  // A string of n UTF-16 units is at most 3n UTF-8 bytes: small values need no byte count.
  const text = JSON.stringify(parts) ?? '';
  if (text.length * 3 <= BUDGET_BYTES) return undefined;
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= BUDGET_BYTES) return undefined;
  const largest = Object.entries(parts)
    .map(([name, value]) => [name, jsonBytes(value)] as const)
    .sort((a, b) => b[1] - a[1])[0]!;
  return `${subject} ${total} bytes of JSON (largest: ${largest[0]}, ${largest[1]} bytes); every run carries this in Step Functions' payload of at most ${PAYLOAD_LIMIT_BYTES} bytes, which keeps ${RESERVED_BYTES} for the run's other data: ${advice} ${BUDGET_BYTES} bytes (put large data in S3 and pass its key)`;
}
