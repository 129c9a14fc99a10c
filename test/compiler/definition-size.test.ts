import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { measureDefinition } from '../../lib/compiler/definition-size.ts';
import { placeholdersIn } from '../../lib/compiler/placeholders.ts';
import { dag } from '../../lib/index.ts';

/** What the walk must agree with: the compact text, written and counted. */
function written(value: object): { bytes: number; placeholders: string[] } {
  const text = JSON.stringify(value);
  return { bytes: Buffer.byteLength(text, 'utf8'), placeholders: placeholdersIn(text) };
}

describe('Function: measureDefinition', () => {
  it('counts what JSON.stringify writes: escapes, non-ASCII, numbers, empty and left-out members', () => {
    // Prepare
    const value = {
      Comment: 'quotes " and \\ backslashes, a tab\t, a line\nbreak, \u0001, é, 日本, 😀, a lone \ud800',
      'key with "quotes"': [1, -2.5, 1e21, 0.1, Number.NaN, true, false, null, undefined, () => 1],
      empty: {},
      none: [],
      dropped: undefined,
      fn: () => 1,
      nested: { a: [{ b: [[], [{}]] }], ü: 'ß' },
    };

    // Act, Assess
    expect(measureDefinition(value)).toEqual(written(value));
  });

  it('finds placeholders in values and keys, each once, sorted', () => {
    const value = {
      QueueUrl: '${ControlQueueUrl}',
      'States.Format': "States.StringSplit('${SubnetIds}', ',')",
      '${KeyPlaceholder}': ['${DagVersion}', '${DagVersion}', '$ {NotOne}', '${not-one}'],
    };

    expect(measureDefinition(value)).toEqual(written(value));
    expect(measureDefinition(value).placeholders).toEqual([
      'ControlQueueUrl',
      'DagVersion',
      'KeyPlaceholder',
      'SubnetIds',
    ]);
  });

  it('gives a compiled DAG the byte count of its compact definition', () => {
    const d = dag({ id: 'measured', description: 'naïve — “quoted”' });
    const first = d.task('first', async () => 1);
    d.task('second', { upstream: first }, async () => 2);

    const compiled = compileDag(d);

    expect(compiled.manifest!.stats.definitionBytes).toBe(written(compiled.definition!).bytes);
    expect(compiled.manifest!.placeholders).toEqual(written(compiled.definition!).placeholders);
  });
});
