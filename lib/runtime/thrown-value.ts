/**
 * Anything a task (or a callback) threw, read as a name, a message and a stack. JavaScript lets code throw any
 * value: `undefined`, a Symbol, `{ name: 123 }`, `Object.create(null)` (no `toString`), an error whose `name` or
 * `message` getter throws, a Proxy that throws on every trap. Reading such a value the usual way (`err.name`,
 * `String(err)`, `instanceof`) throws again, inside the worker's catch, and kills the worker: locally a crash and a
 * retry, on the Lambda worker a redelivery that runs the task's code a second time. So every read here is guarded
 * and only strings come out.
 */
export interface ThrownValue {
  /** The error's `name` when it is a non-empty string, else `Error`. */
  readonly name: string;
  /** The error's `message` when it is a string, else a short description of the value thrown. */
  readonly message: string;
  /** The error's `stack` when it is a string (it starts with `name: message`), else the message. */
  readonly stack: string;
}

export function readThrownValue(thrown: unknown): ThrownValue {
  const nameField = guarded(() => field(thrown, 'name'));
  const name = typeof nameField === 'string' && nameField !== '' ? nameField : 'Error';
  const messageField = guarded(() => field(thrown, 'message'));
  const message = typeof messageField === 'string' ? messageField : describe(thrown);
  const stackField = guarded(() => field(thrown, 'stack'));
  const stack = typeof stackField === 'string' && stackField !== '' ? stackField : message;
  return { name, message, stack };
}

/** Whether `thrown` is an instance of `type`, false where even asking throws (a Proxy's getPrototypeOf trap). */
export function isThrownInstance(thrown: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  return guarded(() => thrown instanceof type) === true;
}

function field(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  return (value as Record<string, unknown>)[key];
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'undefined':
      return 'undefined was thrown';
    case 'symbol':
      return `a symbol was thrown (${guarded(() => value.toString()) ?? 'Symbol()'})`;
    case 'object':
    case 'function': {
      if (value === null) return 'null was thrown';
      const json = guarded(() => JSON.stringify(value));
      return typeof json === 'string'
        ? `a value that is not an Error was thrown: ${json}`
        : 'a non-Error object was thrown';
    }
    default:
      return `${typeof value} ${String(value)} was thrown`;
  }
}

function guarded<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
