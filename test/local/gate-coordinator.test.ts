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

  it("signals a dead child's tasks that never signalled, keeping the records of those that did", () => {
    const gates = new GateCoordinator((id) => id);
    const opened: unknown[] = [];
    gates.signal('run-1', 'done', { state: 'success', output: 1 });
    gates.gate('run-1', ['done', 'lost'], (records) => opened.push(records));
    expect(opened).toEqual([]);
    gates.signalUnsignalled('run-1', ['done', 'lost'], { state: 'failed', childEnded: 'part-01' });
    expect(opened).toEqual([
      { done: { state: 'success', output: 1 }, lost: { state: 'failed', childEnded: 'part-01' } },
    ]);
  });
});
