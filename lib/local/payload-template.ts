import { evaluateIntrinsic, isIntrinsic } from './intrinsics.ts';
import { readPath } from './jsonpath.ts';

/**
 * Parameters, ResultSelector and ItemSelector: a JSON template where a key ending in `.$` takes its value from a
 * path or an intrinsic function; everything else is copied as it is.
 */
export function applyTemplate(template: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((item) => applyTemplate(item, input, context));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = isIntrinsic(value)
        ? evaluateIntrinsic(value, input, context)
        : readPath(value, input, context);
    } else {
      out[key] = applyTemplate(value, input, context);
    }
  }
  return out;
}
