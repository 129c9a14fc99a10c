/**
 * `{{ … }}` templates in native-step fields. They are compiled to JSONPath and `States.Format`, so Step Functions
 * fills them in; no worker ever evaluates a template.
 */
import { AirstepError } from '../errors/airstep-error.ts';

export type TemplateRef =
  | { readonly kind: 'context'; readonly name: keyof typeof CONTEXT_PATHS }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'xcom'; readonly task: string };

export type TemplatePart = { readonly text: string } | { readonly ref: TemplateRef };

/** The run-context values a template may name, and where they are in the state payload. */
export const CONTEXT_PATHS = {
  ds: '$.ctx.ds',
  ds_nodash: '$.ctx.dsNodash',
  ts: '$.ctx.ts',
  logical_date: '$.ctx.logicalDate',
  data_interval_start: '$.ctx.dataIntervalStart',
  data_interval_end: '$.ctx.dataIntervalEnd',
  run_id: '$.ctx.runId',
  dag_id: '$.ctx.dagId',
} as const;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits a string into literal text and references; `error` names the first unknown reference. */
export function parseTemplate(value: string): { parts: TemplatePart[] } | { error: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of value.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: value.slice(last, match.index) });
    const ref = parseReference(match[1]!);
    if (typeof ref === 'string') return { error: ref };
    parts.push({ ref });
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push({ text: value.slice(last) });
  const leftover = parts.find((part) => 'text' in part && (part.text.includes('{{') || part.text.includes('}}')));
  if (leftover !== undefined) return { error: `unbalanced '{{' or '}}' in '${value}'` };
  return { parts };
}

function parseReference(expression: string): TemplateRef | string {
  if (expression in CONTEXT_PATHS) return { kind: 'context', name: expression as keyof typeof CONTEXT_PATHS };
  if (expression.startsWith('params.')) {
    const name = expression.slice('params.'.length);
    return PARAM_NAME.test(name) ? { kind: 'param', name } : `'{{ ${expression} }}' is not a valid param name`;
  }
  if (expression.startsWith('xcom.')) {
    const task = expression.slice('xcom.'.length);
    return task.length > 0 ? { kind: 'xcom', task } : `'{{ ${expression} }}' names no task`;
  }
  const known = [...Object.keys(CONTEXT_PATHS), 'params.<name>', 'xcom.<task_id>'].join(', ');
  return `unknown template variable '{{ ${expression} }}' (known: ${known})`;
}

/** Every template string inside a field value (objects and arrays are walked), with its path. */
export function* templateStrings(value: unknown, path: string): Generator<{ path: string; value: string }> {
  if (typeof value === 'string') {
    if (value.includes('{{') || value.includes('}}')) yield { path, value };
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* templateStrings(item, `${path}[${index}]`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) yield* templateStrings(item, `${path}.${key}`);
  }
}

/**
 * `{{ xcom.<task>.<field>… }}`: task ids may contain dots (task groups), so the longest leading part that names
 * a task is the task and the rest a path into its result. Undefined when no leading part is a task.
 */
export function splitXcomReference(
  expression: string,
  isTask: (id: string) => boolean,
): { task: string; path: string[] } | undefined {
  const parts = expression.split('.');
  for (let n = parts.length; n > 0; n--) {
    const task = parts.slice(0, n).join('.');
    if (isTask(task)) return { task, path: parts.slice(n) };
  }
  return undefined;
}

/** A `{{ … }}` template that cannot be read; `template` is the field value holding it. */
export class TemplateError extends AirstepError {
  override readonly name = 'TemplateError';
  readonly template: string;

  constructor(template: string, message: string) {
    super(message, { code: 'INVALID_TEMPLATE' });
    this.template = template;
  }
}

/** Resolves a reference to a JSONPath in the state payload (the compiler knows where each task's record is). */
export type ReferenceResolver = (ref: TemplateRef) => string;

/**
 * An ASL field for a (possibly templated) string: `{ Key: 'x' }` for plain text, `{ 'Key.$': '$.ctx.ds' }` for a
 * lone reference, `{ 'Key.$': "States.Format('raw/{}/a.csv', $.ctx.ds)" }` otherwise.
 */
export function compileTemplateField(name: string, value: string, resolve: ReferenceResolver): Record<string, string> {
  const parsed = parseTemplate(value);
  if ('error' in parsed) throw new TemplateError(value, parsed.error);
  const refs = parsed.parts.filter((part): part is { ref: TemplateRef } => 'ref' in part);
  if (refs.length === 0) return { [name]: value };
  if (parsed.parts.length === 1) return { [`${name}.$`]: resolve(refs[0]!.ref) };
  const format = parsed.parts.map((part) => ('text' in part ? escapeFormatText(part.text) : '{}')).join('');
  const args = refs.map((part) => resolve(part.ref));
  return { [`${name}.$`]: `States.Format('${format}', ${args.join(', ')})` };
}

/** Compiles a field value of any shape: strings with templates become `.$` fields, the rest is kept. */
export function compileTemplatedValue(value: unknown, resolve: ReferenceResolver): unknown {
  if (Array.isArray(value)) {
    // ASL has no `.$` for array items: a templated item makes the whole array a States.Array(...) expression.
    return value.map((item) => compileTemplatedValue(item, resolve));
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) Object.assign(out, compileTemplatedEntry(key, item, resolve));
    return out;
  }
  return value;
}

/** One object entry: `{ key: value }` or `{ 'key.$': path }` for a templated string. */
export function compileTemplatedEntry(
  key: string,
  value: unknown,
  resolve: ReferenceResolver,
): Record<string, unknown> {
  if (typeof value === 'string') return compileTemplateField(key, value, resolve);
  return { [key]: compileTemplatedValue(value, resolve) };
}

/** Intrinsic-function string literals escape `'`, `{`, `}` and `\` with a backslash. */
function escapeFormatText(text: string): string {
  return text.replace(/[\\'{}]/g, (char) => `\\${char}`);
}
