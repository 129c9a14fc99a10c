import { RE2JS } from 're2js';

/**
 * A param's `pattern`, compiled with RE2's linear-time engine (re2js, a pure JavaScript port of RE2). JavaScript's
 * own engine backtracks: a pattern like `^(a+)+$` against `'aaaa…!'` takes exponential time, and `validate`,
 * `compile`, `airstep run` and the cloud trigger all check values against these patterns, so one such param hung
 * every one of them. RE2 matches in time linear in the input and refuses what it cannot do in linear time
 * (backreferences, lookahead, lookbehind); such a pattern is refused at `validate` with RE2's reason.
 * Matching is a search anywhere in the value, as JSON Schema's `pattern` (and Airflow's Param) does: anchor it
 * with `^…$` to match the whole value.
 */
export type ParamPattern =
  | { readonly ok: true; readonly test: (value: string) => boolean }
  | { readonly ok: false; readonly reason: string };

export function compileParamPattern(source: string): ParamPattern {
  try {
    const compiled = RE2JS.compile(source);
    return { ok: true, test: (value) => compiled.matcher(value).find() };
  } catch (error) {
    // RE2JSSyntaxException: "error parsing regexp: invalid or unsupported Perl syntax: `(?=`".
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: text.replace(/^error parsing regexp: /, '') };
  }
}
