import { createHash, randomUUID } from 'node:crypto';
import { readPath } from './jsonpath.ts';
import { StatesError } from './states-error.ts';

/**
 * Intrinsic functions (`States.Format('{}', $.x)`, nested calls, paths, literals), evaluated as AWS does.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
 */
type Arg =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; path: string }
  | { kind: 'call'; name: string; args: Arg[] };

const parsed = new Map<string, Arg>();

export function isIntrinsic(text: string): boolean {
  return text.startsWith('States.');
}

export function evaluateIntrinsic(text: string, input: unknown, context: unknown): unknown {
  let call = parsed.get(text);
  if (call === undefined) {
    const parser = new Parser(text);
    call = parser.call();
    parser.end();
    parsed.set(text, call);
  }
  return evaluate(call, input, context);
}

function fail(message: string): never {
  throw new StatesError('States.IntrinsicFailure', message);
}

class Parser {
  private i = 0;
  constructor(private readonly text: string) {}

  end(): void {
    this.space();
    if (this.i !== this.text.length) fail(`unexpected '${this.text.slice(this.i)}' in ${this.text}`);
  }

  call(): Arg {
    this.space();
    const match = /^States\.[A-Za-z0-9]+/.exec(this.text.slice(this.i));
    if (match === null) fail(`expected an intrinsic function in ${this.text}`);
    this.i += match[0].length;
    this.expect('(');
    const args: Arg[] = [];
    this.space();
    if (this.text[this.i] !== ')') {
      for (;;) {
        args.push(this.arg());
        this.space();
        if (this.text[this.i] === ',') {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expect(')');
    return { kind: 'call', name: match[0], args };
  }

  private arg(): Arg {
    this.space();
    const rest = this.text.slice(this.i);
    if (rest.startsWith('States.')) return this.call();
    if (rest.startsWith("'")) return { kind: 'literal', value: this.string() };
    if (rest.startsWith('$')) {
      const match = /^\$\$?(?:\.[^\s,()]+|\[[^\]]*\])*/.exec(rest)!;
      this.i += match[0].length;
      return { kind: 'path', path: match[0] };
    }
    const literal = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(rest);
    if (literal === null) fail(`cannot read argument '${rest}' in ${this.text}`);
    this.i += literal[0].length;
    return { kind: 'literal', value: JSON.parse(literal[0]) };
  }

  private string(): string {
    this.i++;
    let out = '';
    while (this.i < this.text.length && this.text[this.i] !== "'") {
      if (this.text[this.i] === '\\') {
        out += this.text[this.i + 1] ?? '';
        this.i += 2;
      } else {
        out += this.text[this.i++];
      }
    }
    if (this.text[this.i] !== "'") fail(`unterminated string in ${this.text}`);
    this.i++;
    return out;
  }

  private expect(char: string): void {
    this.space();
    if (this.text[this.i] !== char) fail(`expected '${char}' at ${this.i} in ${this.text}`);
    this.i++;
  }

  private space(): void {
    while (this.text[this.i] === ' ') this.i++;
  }
}

function evaluate(arg: Arg, input: unknown, context: unknown): unknown {
  if (arg.kind === 'literal') return arg.value;
  if (arg.kind === 'path') return readPath(arg.path, input, context);
  const args = arg.args.map((a) => evaluate(a, input, context));
  const fn = FUNCTIONS[arg.name];
  if (fn === undefined) fail(`unknown intrinsic function ${arg.name}`);
  return fn(args, arg.args);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const count = (args: unknown[], n: number, name: string) => {
  if (args.length !== n) fail(`${name} takes ${n} argument(s), got ${args.length}`);
};
const asArray = (value: unknown, name: string): unknown[] =>
  Array.isArray(value) ? value : fail(`${name} needs an array`);
const asNumber = (value: unknown, name: string): number =>
  typeof value === 'number' ? value : fail(`${name} needs a number, got ${JSON.stringify(value)}`);
const asString = (value: unknown, name: string): string =>
  typeof value === 'string' ? value : fail(`${name} needs a string, got ${JSON.stringify(value)}`);

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const FUNCTIONS: Record<string, (args: unknown[], raw: Arg[]) => unknown> = {
  'States.Format': (args) => {
    const [template, ...values] = args;
    let next = 0;
    const text = asString(template, 'States.Format').replace(/\{\}/g, () => {
      if (next >= values.length) fail('States.Format has more {} than arguments');
      const value = values[next++];
      if (typeof value === 'object' && value !== null)
        fail('States.Format arguments must be strings, numbers, booleans or null');
      return String(value);
    });
    if (next !== values.length) fail('States.Format has more arguments than {}');
    return text;
  },
  'States.StringToJson': (args) => {
    count(args, 1, 'States.StringToJson');
    try {
      return JSON.parse(asString(args[0], 'States.StringToJson'));
    } catch {
      return fail('States.StringToJson: not valid JSON');
    }
  },
  'States.JsonToString': (args, raw) => {
    count(args, 1, 'States.JsonToString');
    if (raw[0]?.kind !== 'path') fail('States.JsonToString takes a path');
    return JSON.stringify(args[0]);
  },
  'States.Array': (args) => args,
  'States.ArrayPartition': (args) => {
    const [array, size] = [asArray(args[0], 'States.ArrayPartition'), asNumber(args[1], 'States.ArrayPartition')];
    if (!Number.isInteger(size) || size <= 0) fail('States.ArrayPartition chunk size must be a positive integer');
    const chunks: unknown[][] = [];
    for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
    return chunks;
  },
  'States.ArrayContains': (args) => {
    count(args, 2, 'States.ArrayContains');
    return asArray(args[0], 'States.ArrayContains').some((item) => deepEqual(item, args[1]));
  },
  'States.ArrayRange': (args) => {
    const [start, end, step] = args.map((a) => asNumber(a, 'States.ArrayRange'));
    if (step === 0) fail('States.ArrayRange step cannot be 0');
    const out: number[] = [];
    for (let value = start!; step! > 0 ? value <= end! : value >= end!; value += step!) out.push(value);
    if (out.length > 1000) fail('States.ArrayRange makes at most 1000 items');
    return out;
  },
  'States.ArrayGetItem': (args) => {
    const array = asArray(args[0], 'States.ArrayGetItem');
    const index = asNumber(args[1], 'States.ArrayGetItem');
    if (!Number.isInteger(index) || index < 0 || index >= array.length)
      fail(`States.ArrayGetItem index ${index} out of range`);
    return array[index];
  },
  'States.ArrayLength': (args) => asArray(args[0], 'States.ArrayLength').length,
  'States.ArrayUnique': (args) => {
    const seen = new Set<string>();
    return asArray(args[0], 'States.ArrayUnique').filter((item) => {
      const key = JSON.stringify(item);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  },
  'States.Base64Encode': (args) => Buffer.from(asString(args[0], 'States.Base64Encode'), 'utf8').toString('base64'),
  'States.Base64Decode': (args) => Buffer.from(asString(args[0], 'States.Base64Decode'), 'base64').toString('utf8'),
  'States.Hash': (args) => {
    const algorithm = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[
      asString(args[1], 'States.Hash')
    ];
    if (algorithm === undefined) fail(`States.Hash: unknown algorithm ${String(args[1])}`);
    const data = typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    return createHash(algorithm).update(data).digest('hex');
  },
  'States.JsonMerge': (args) => {
    count(args, 3, 'States.JsonMerge');
    if (!isObject(args[0]) || !isObject(args[1])) fail('States.JsonMerge merges two objects');
    if (args[2] !== false) fail('States.JsonMerge supports only shallow merges (false)');
    return { ...args[0], ...args[1] };
  },
  'States.MathRandom': (args) => {
    const [start, end] = args.map((a) => asNumber(a, 'States.MathRandom'));
    return Math.floor(start! + Math.random() * (end! - start!));
  },
  'States.MathAdd': (args) => {
    count(args, 2, 'States.MathAdd');
    return asNumber(args[0], 'States.MathAdd') + asNumber(args[1], 'States.MathAdd');
  },
  'States.StringSplit': (args) => {
    const text = asString(args[0], 'States.StringSplit');
    const separators = asString(args[1], 'States.StringSplit');
    // AWS splits on any of the separator characters and drops empty parts.
    return text.split(new RegExp(`[${separators.replace(/[\]\\^-]/g, '\\$&')}]`)).filter((part) => part !== '');
  },
  'States.UUID': () => randomUUID(),
};
