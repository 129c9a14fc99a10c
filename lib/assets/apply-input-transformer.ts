/**
 * Applies an EventBridge InputTransformer to an event as EventBridge does for the templates Airstep writes: each
 * `<name>` in a value position becomes its path's value as JSON; inside a string literal, a string's text. Airstep's
 * own templates only use paths every matched event has, so a missing one is an error here (naming the path)
 * rather than a guess at what EventBridge would put. Pure.
 */

import type { WatcherInputTransformer } from '../compiler/watcher-input-transformer.ts';
import { AirstepError } from '../errors/airstep-error.ts';

/** An event lacks a fact a watcher's transformer reads (it is not the event the watcher expects). */
export class InputTransformerError extends AirstepError {
  override readonly name = 'InputTransformerError';

  constructor(message: string) {
    super(message, { code: 'INPUT_TRANSFORMER' });
  }
}

export function applyInputTransformer(transformer: WatcherInputTransformer, event: unknown): unknown {
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap)) {
    const found = valueAt(event, path);
    if (!found.present) throw new InputTransformerError(`the event has no ${path.slice(2)} (needed for ${name})`);
    values.set(name, found.value);
  }
  const rendered = transformer.InputTemplate.replace(/"(?:\\.|[^"\\])*"|<([^<>]*)>/g, (token, name?: string) => {
    if (name === undefined)
      return token.replace(/<([^<>]*)>/g, (inner, innerName: string) => {
        if (!values.has(innerName)) return inner;
        const value = values.get(innerName);
        return typeof value === 'string' ? value : JSON.stringify(value);
      });
    return values.has(name) ? JSON.stringify(values.get(name)) : token;
  });
  return JSON.parse(rendered);
}

/** A `$.a.b-c.d` path's value (dot notation, as EventBridge requires). */
function valueAt(event: unknown, path: string): { present: boolean; value?: unknown } {
  let value: unknown = event;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter((p) => p !== '')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return { present: false };
    value = (value as Record<string, unknown>)[part];
  }
  return { present: true, value };
}
