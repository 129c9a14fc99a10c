import { describe, expect, it } from 'vitest';
import { GateCoordinator } from '../../lib/local/gate-coordinator.ts';

describe('Class: GateCoordinator', () => {
  it('opens a gate once every task it waits for has signalled, whichever comes first', () => {
    const gates = new GateCoordinator((id) => id.replace('.', '_'));
    const opened: unknown[] = [];
    gates.signal('run-1', 'a', { state: 'success' });
    gates.gate('run-1', ['a', 'g.b'], (records) => opened.push(records));
    expect(opened).toEqual([]);
    gates.signal('run-2', 'g.b', { state: 'failed' });
    expect(opened).toEqual([]);
    gates.signal('run-1', 'g.b', { state: 'skipped' });
    expect(opened).toEqual([{ a: { state: 'success' }, g_b: { state: 'skipped' } }]);
    gates.signal('run-1', 'a', { state: 'success' });
    expect(opened).toHaveLength(1);
  });

  it('opens a gate with openWhen as soon as one task signals one of those states, once', () => {
    const gates = new GateCoordinator((id) => id);
    const opened: unknown[] = [];
    gates.gate('run-1', ['fast', 'slow', 'other'], (records) => opened.push(records), ['failed', 'upstream_failed']);
    gates.signal('run-1', 'fast', { state: 'success' });
    expect(opened).toEqual([]);
    gates.signal('run-1', 'other', { state: 'upstream_failed' });
    expect(opened).toEqual([
      { fast: { state: 'success' }, slow: { state: 'none', output: null }, other: { state: 'upstream_failed' } },
    ]);
    gates.signal('run-1', 'slow', { state: 'failed' });
    expect(opened).toHaveLength(1);
  });

  it('opens a gate with openWhen once all have signalled, when none was in one of those states', () => {
    const gates = new GateCoordinator((id) => id);
    const opened: unknown[] = [];
    gates.gate('run-1', ['a', 'b'], (records) => opened.push(records), ['success']);
    gates.signal('run-1', 'a', { state: 'skipped' });
    expect(opened).toEqual([]);
    gates.signal('run-1', 'b', { state: 'failed' });
    expect(opened).toEqual([{ a: { state: 'skipped' }, b: { state: 'failed' } }]);
  });
});
