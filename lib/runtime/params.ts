import { z } from 'zod';
import { compileParamPattern } from '../compiler/param-pattern.ts';
import { runParamsPayloadProblem } from '../compiler/params-payload.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import type { ParamSpec } from '../sdk/params.ts';

/**
 * A trigger's conf checked against the DAG's params schema. Defaults fill what conf leaves out; every
 * problem names the param, so a bad trigger is refused before any run exists.
 */
export type ParamsResult =
  | { readonly ok: true; readonly params: Record<string, unknown> }
  | { readonly ok: false; readonly problems: Array<{ readonly field: string; readonly message: string }> };

export function resolveParams(
  schema: Readonly<Record<string, ParamSpec>>,
  conf: Readonly<Record<string, unknown>>,
): ParamsResult {
  // Null-prototype maps, read by own keys only: a param named `constructor` or `toString` is not found on
  // Object.prototype (it could never take its default), and one named `__proto__` is a key like any other rather
  // than the prototype setter (it was dropped).
  const params: Record<string, unknown> = Object.create(null);
  const problems: Array<{ readonly field: string; readonly message: string }> = [];
  for (const [name, spec] of Object.entries(schema)) {
    const given = Object.hasOwn(conf, name) ? conf[name] : undefined;
    const parsed = paramSchema(spec).safeParse(given);
    if (parsed.success) {
      if (parsed.data !== undefined) Object.defineProperty(params, name, dataProperty(parsed.data));
      continue;
    }
    for (const issue of parsed.error.issues) {
      problems.push({ field: ['params', name, ...issue.path.map(String)].join('.'), message: issue.message });
    }
  }
  // Conf keys the schema does not declare are kept, as Airflow keeps them (after the declared ones).
  for (const [name, value] of Object.entries(conf)) {
    if (!Object.hasOwn(schema, name)) Object.defineProperty(params, name, dataProperty(value));
  }
  // Every state of the run carries the params: a conf that makes them too large would fail the run at its first
  // state (States.DataLimitExceeded), so it is refused before the run exists.
  const tooLarge = problems.length === 0 ? runParamsPayloadProblem(params) : undefined;
  if (tooLarge !== undefined) problems.push({ field: 'params', message: tooLarge });
  return problems.length === 0 ? { ok: true, params } : { ok: false, problems };
}

function dataProperty(value: unknown): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

/** Params that do not validate; every problem names its param (`params.limit: …`). */
export class ParamsError extends AirstepError {
  override readonly name = 'ParamsError';
  readonly problems: ReadonlyArray<{ readonly field: string; readonly message: string }>;

  constructor(problems: ReadonlyArray<{ readonly field: string; readonly message: string }>) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '), { code: 'INVALID_PARAMS' });
    this.problems = problems;
  }
}

function paramSchema(spec: ParamSpec): z.ZodType {
  let schema: z.ZodType;
  switch (spec.type) {
    case 'string': {
      let text = z.string();
      if (spec.minLength !== undefined) text = text.min(spec.minLength);
      if (spec.maxLength !== undefined) text = text.max(spec.maxLength);
      if (spec.pattern !== undefined) {
        // RE2 (linear time): a pattern like `^(a+)+$` must not hang the trigger on a long value.
        const pattern = compileParamPattern(spec.pattern);
        text = text.refine(
          (value) => pattern.ok && pattern.test(value),
          pattern.ok
            ? `must match /${spec.pattern}/`
            : `pattern /${spec.pattern}/ is not a regular expression RE2 accepts (${pattern.reason})`,
        );
      }
      schema = spec.enum !== undefined ? z.enum(spec.enum as [string, ...string[]]) : text;
      break;
    }
    case 'number':
    case 'integer': {
      let number = spec.type === 'integer' ? z.int() : z.number();
      if (spec.minimum !== undefined) number = number.min(spec.minimum);
      if (spec.maximum !== undefined) number = number.max(spec.maximum);
      schema =
        spec.enum !== undefined
          ? number.refine(
              (value) => (spec.enum as readonly number[]).includes(value),
              `must be one of ${spec.enum.join(', ')}`,
            )
          : number;
      break;
    }
    case 'boolean':
      schema = z.boolean();
      break;
    case 'array':
      schema = z.array(spec.items === undefined ? z.unknown() : itemSchema(spec.items));
      break;
    case 'object':
      schema = z.record(z.string(), z.unknown());
      break;
  }
  if (spec.default !== undefined) return schema.default(spec.default as never);
  return spec.required === true ? schema : schema.optional();
}

function itemSchema(type: 'string' | 'number' | 'integer' | 'boolean' | 'object'): z.ZodType {
  return {
    string: z.string(),
    number: z.number(),
    integer: z.int(),
    boolean: z.boolean(),
    object: z.record(z.string(), z.unknown()),
  }[type];
}
