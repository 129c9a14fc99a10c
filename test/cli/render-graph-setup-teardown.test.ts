import { describe, expect, it } from 'vitest';
import { renderText } from '../../lib/cli/render-graph.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';

const noop = async () => null;

describe('Function: renderText', () => {
  it('marks setup and teardown tasks, naming the setups a teardown tears down', () => {
    const d = dag({ id: 'st_graph' });
    const create = d.task('create', { setup: true }, noop);
    const query = d.task('query', { upstream: create }, noop);
    d.task('delete', { upstream: query, teardown: { setups: create } }, noop);
    expect(renderText(compileDag(d).ir).split('\n')).toEqual([
      'st_graph  (manual)',
      'create (code) [setup]',
      '├─ delete (code) [teardown of create] ↑ after create, query',
      '└─ query (code)',
      '   └─ delete …',
      '',
    ]);
  });
});
