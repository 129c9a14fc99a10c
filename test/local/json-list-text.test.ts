import { describe, expect, it } from 'vitest';
import { jsonListSlices } from '../../lib/local/json-list-text.ts';

describe('Function: jsonListSlices', () => {
  const record = (i: number) => ({
    taskId: `t${i}`,
    mapIndex: i,
    state: i % 2 === 0 ? 'success' : 'failed',
    output: i % 3 === 0 ? { nested: [1, { deep: 'a\nb "quoted"' }], empty: {}, list: [] } : null,
    errorMessage: i % 5 === 0 ? 'line one\nline two' : undefined,
  });

  it('gives the text JSON.stringify(list, null, 2) gives, whatever the number of items and slices', () => {
    for (const count of [0, 1, 2, 499, 500, 501, 1234]) {
      const items = Array.from({ length: count }, (_, i) => record(i));
      const text = [...jsonListSlices(items)].join('');
      expect(text).toBe(JSON.stringify(items, null, 2));
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(items)));
    }
  });

  it('reads the items only as slices are asked for', () => {
    let made = 0;
    function* items() {
      for (let i = 0; i < 1200; i++) {
        made++;
        yield record(i);
      }
    }
    const slices = jsonListSlices(items(), 500);

    slices.next();
    expect(made).toBe(500);
    slices.next();
    expect(made).toBe(1000);
    expect([...slices]).toHaveLength(1);
    expect(made).toBe(1200);
  });
});
