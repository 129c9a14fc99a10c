import { Buffer } from 'node:buffer';

/**
 * Step Functions refuses an execution input or state output over 256 KiB, and every run's input carries its params
 * (defaults filled in) inside the run context that each state passes on. Params whose defaults alone near that
 * limit would make every run that does not override them fail at its first state (locally: a run that fails
 * with a task left `running`), so the compiler refuses them. What a run also carries (the run context's other
 * fields, task records, small XCom values) needs room too: `RESERVED_BYTES` is kept for it.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (payload size)
 */
export const PAYLOAD_LIMIT_BYTES = 262_144;
export const RESERVED_BYTES = 32_768;

/** The problem with the params' defaults, or undefined when they fit. */
export function paramsPayloadProblem(defaults: Readonly<Record<string, unknown>>): string | undefined {
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  const total = bytes(defaults);
  const budget = PAYLOAD_LIMIT_BYTES - RESERVED_BYTES;
  if (total <= budget) return undefined;
  const largest = Object.entries(defaults)
    .map(([name, value]) => [name, bytes(value)] as const)
    .sort((a, b) => b[1] - a[1])[0]!;
  return `the defaults are ${total} bytes of JSON (largest: ${largest[0]}, ${largest[1]} bytes); every run carries them in Step Functions' payload of at most ${PAYLOAD_LIMIT_BYTES} bytes, which keeps ${RESERVED_BYTES} for the run's other data: keep defaults under ${budget} bytes (put large data in S3 and pass its key)`;
}
