import { describe, expect, it } from 'vitest';
import { gatesToOpen } from '../../lib/worker/gate-store.ts';

describe('gatesToOpen', () => {
  const gate = (taskKey: string, waitFor: string[]) => ({
    taskKey,
    token: `token-${taskKey}`,
    waitFor,
    keys: Object.fromEntries(waitFor.map((id) => [id, id.replace(/\./g, '_')])),
  });

  it('opens a gate once every task it waits for has signalled, with their records keyed by payload key', () => {
    const signals = new Map<string, unknown>([
      ['a.x', { state: 'success', output: 1 }],
      ['b', { state: 'failed', output: null }],
    ]);
    expect(gatesToOpen([gate('gate#join', ['a.x', 'b']), gate('gate#late', ['a.x', 'c'])], signals)).toEqual([
      {
        taskKey: 'gate#join',
        token: 'token-gate#join',
        records: { a_x: { state: 'success', output: 1 }, b: { state: 'failed', output: null } },
      },
    ]);
  });

  it('opens a gate with openWhen at the first signal in one of those states; the others are answered as not ended', () => {
    const early = { ...gate('gate#join', ['fast', 'slow']), openWhen: ['success'] };
    expect(gatesToOpen([early], new Map([['fast', { state: 'failed', output: null }]]))).toEqual([]);
    expect(gatesToOpen([early], new Map([['fast', { state: 'success', output: 1 }]]))).toEqual([
      {
        taskKey: 'gate#join',
        token: 'token-gate#join',
        records: { fast: { state: 'success', output: 1 }, slow: { state: 'none', output: null } },
      },
    ]);
  });

  it('opens nothing before the last signal, whichever order signals and gates came in', () => {
    expect(gatesToOpen([gate('gate#join', ['a', 'b'])], new Map([['a', {}]]))).toEqual([]);
    expect(gatesToOpen([], new Map([['a', {}]]))).toEqual([]);
  });
});
