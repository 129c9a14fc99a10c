import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import {
  MAX_INTRINSIC_NESTING,
  mergedTaskRecords,
  wideParallelProblems,
} from '../../lib/compiler/merged-task-records.ts';
import { dag } from '../../lib/index.ts';
import { evaluateIntrinsic } from '../../lib/local/intrinsics.ts';

/** How deep intrinsic calls nest in a field's value (quoted text skipped). */
function nesting(value: string): number {
  let depth = 0;
  let deepest = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '\\') i++;
    else if (char === "'") quoted = !quoted;
    else if (!quoted && value.startsWith('States.', i)) {
      const open = value.indexOf('(', i);
      depth++;
      deepest = Math.max(deepest, depth);
      i = open;
    } else if (!quoted && char === ')') depth--;
  }
  return deepest;
}

/** The deepest nesting of any `.$` field of a definition. */
function deepestField(value: unknown): number {
  if (Array.isArray(value)) return Math.max(0, ...value.map(deepestField));
  if (typeof value !== 'object' || value === null) return 0;
  return Math.max(
    0,
    ...Object.entries(value).map(([key, inner]) =>
      key.endsWith('.$') && typeof inner === 'string' ? nesting(inner) : deepestField(inner),
    ),
  );
}

describe('Function: mergedTaskRecords', () => {
  it('merges n branches in ⌈log2 n⌉ nested States.JsonMerge, at most 10 for 1,024 branches', () => {
    for (const n of [1, 2, 3, 4, 11, 12, 350, 1000, 1024])
      expect([n, nesting(mergedTaskRecords(n))]).toEqual([n, Math.ceil(Math.log2(n))]);
    expect(nesting(mergedTaskRecords(1024))).toBe(MAX_INTRINSIC_NESTING);
  });

  it("gives every branch's records, as a chain of merges would", () => {
    for (const n of [2, 5, 37]) {
      const branches = Array.from({ length: n }, (_, i) => ({ tasks: { base: { state: 'success' }, [`t${i}`]: i } }));
      const expected = Object.assign({}, ...branches.map((branch) => branch.tasks));
      expect(evaluateIntrinsic(mergedTaskRecords(n), branches, {})).toEqual(expected);
    }
  });
});

describe('compiled DAGs nest no field deeper than Step Functions takes', () => {
  it('a Parallel of 40 tasks, and a split DAG’s parent and children', () => {
    const wide = dag({ id: 'wide_fan' });
    const start = wide.task('start', async () => 1);
    for (let i = 0; i < 40; i++) wide.task(`t${i}`, async () => i).after(start);
    const compiled = compileDag(wide);
    expect(compiled.problems).toEqual([]);
    expect(deepestField(JSON.parse(compiled.asl!))).toBeLessThanOrEqual(MAX_INTRINSIC_NESTING);
    // With a chain of merges this field nested 39 deep.
    expect(deepestField(JSON.parse(compiled.asl!))).toBeGreaterThan(1);

    const split = compileDag(wide, { splitAt: { definitionBytes: 20_000, historyEvents: 1_000_000 } });
    expect(split.children!.length).toBeGreaterThan(1);
    for (const definition of [JSON.parse(split.asl!), ...split.children!.map((child) => child.definition)])
      expect(deepestField(definition)).toBeLessThanOrEqual(MAX_INTRINSIC_NESTING);
  });

  it('refuses a Parallel of more branches than ten levels of merges join, naming the state', () => {
    const branch = (i: number) => ({ StartAt: `p${i}`, States: { [`p${i}`]: { Type: 'Pass', End: true } } });
    const definition = {
      StartAt: 'fan',
      States: { fan: { Type: 'Parallel', Branches: Array.from({ length: 1025 }, (_, i) => branch(i)), End: true } },
    };
    expect(wideParallelProblems(definition as never)).toEqual([
      {
        field: 'tasks',
        message: expect.stringMatching(/^state fan runs 1025 branches side by side; .* at most 10 intrinsic functions/),
      },
    ]);
    definition.States.fan.Branches.pop();
    expect(wideParallelProblems(definition as never)).toEqual([]);
  });
});
