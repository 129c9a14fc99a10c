import { describe, expect, it } from 'vitest';
import { type PlannedTask, WorkerDemand } from '../../lib/local/worker-demand.ts';

const code = (id: string, ...upstream: string[]): PlannedTask => ({ id, kind: 'code', upstream });
const native = (id: string, ...upstream: string[]): PlannedTask => ({ id, kind: 'native', upstream });

/** start → a, b, c → join → load: the bench's shape with a wider fan-out. */
const fanOut = [code('start'), code('a', 'start'), code('b', 'start'), code('c', 'start'), code('join', 'a', 'b', 'c')];

describe('Class: WorkerDemand', () => {
  it('looks two waves ahead: before the run, the fan-out behind the first task needs its three workers', () => {
    expect(new WorkerDemand(fanOut).workers()).toBe(3);
  });

  it('needs one worker per running code task plus the next wave it does not wait for', () => {
    const demand = new WorkerDemand([code('long'), code('short'), code('after_short', 'short'), code('x', 'short')]);
    demand.observe('long', 'running');
    demand.observe('short', 'running');
    // `long` may still run while after_short and x start where `short` was.
    expect(demand.workers()).toBe(3);
  });

  it('falls to the fan-in once the fan-out has started, and to nothing at the end', () => {
    const demand = new WorkerDemand(fanOut);
    for (const id of ['start', 'a', 'b', 'c']) demand.observe(id, 'running');
    demand.observe('start', 'success');
    expect(demand.workers()).toBe(3);
    for (const id of ['a', 'b', 'c']) demand.observe(id, 'success');
    expect(demand.workers()).toBe(1);
    demand.observe('join', 'running');
    demand.observe('join', 'success');
    expect(demand.workers()).toBe(0);
  });

  it('keeps idle workers while a mapped task runs, and stops keeping them when it ends', () => {
    const demand = new WorkerDemand([code('list'), { ...code('each', 'list'), mapped: true }, code('plain')]);
    demand.observe('plain', 'running');
    expect(demand.keepIdle()).toBe(false);
    demand.observe('list', 'success');
    demand.observe('each', 'running');
    expect(demand.keepIdle()).toBe(true);
    demand.observe('each', 'failed');
    expect(demand.keepIdle()).toBe(false);
  });

  it('counts no worker for a task that runs without one, but looks through it', () => {
    const demand = new WorkerDemand([code('start'), native('copy', 'start'), code('x', 'copy'), code('y', 'copy')]);
    demand.observe('start', 'running');
    expect(demand.workers()).toBe(2);
    demand.observe('start', 'success');
    demand.observe('copy', 'running');
    expect(demand.workers()).toBe(2);
    demand.observe('x', 'running');
    expect(demand.workers()).toBe(2);
    demand.observe('y', 'running');
    demand.observe('copy', 'success');
    demand.observe('x', 'success');
    expect(demand.workers()).toBe(1);
  });

  it('ignores tasks it does not know and skipped branches stop counting once seen', () => {
    const demand = new WorkerDemand([code('pick'), code('left', 'pick'), code('right', 'pick')]);
    demand.observe('unknown', 'running');
    demand.observe('pick', 'success');
    demand.observe('right', 'skipped');
    expect(demand.workers()).toBe(1);
  });
});
