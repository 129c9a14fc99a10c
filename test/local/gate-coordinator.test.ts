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
});
