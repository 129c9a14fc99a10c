import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { mappedTaskInstances } from '../../lib/runs/mapped-task-instances.ts';

/**
 * Histories shaped as Step Functions writes them for a compiled mapped task (the Map state `each`, its item
 * states `each:item` and `each:item_failed`): each event names the event it follows, so iterations that run at
 * the same time interleave, as they do on AWS and moto.
 */
class History {
  readonly events: HistoryEvent[] = [];

  add(previousEventId: number, event: Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp'>): number {
    const id = this.events.length + 1;
    this.events.push({ ...event, id, previousEventId, timestamp: new Date(0) } as HistoryEvent);
    return id;
  }

  iteration(after: number, mapState: string, index: number): number {
    return this.add(after, { type: 'MapIterationStarted', mapIterationStartedEventDetails: { name: mapState, index } });
  }

  /** A try: the worker message and its answer. */
  workerTry(after: number, taskId: string, index: number, answer: 'TaskSucceeded' | 'TaskFailed'): number {
    const body = { kind: 'task', taskId, mapIndex: index, retryCount: 0 };
    const scheduled = this.add(after, {
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'sqs',
        resource: 'sendMessage.waitForTaskToken',
        region: 'us-east-1',
        parameters: JSON.stringify({ QueueUrl: 'q', MessageBody: body }),
      },
    });
    return this.add(scheduled, { type: answer });
  }

  exit(after: number, name: string, output: unknown): number {
    return this.add(after, {
      type: name.endsWith(':item') ? 'TaskStateExited' : 'PassStateExited',
      stateExitedEventDetails: { name, output: JSON.stringify(output) },
    });
  }

  ended(after: number, mapState: string, index: number): number {
    return this.add(after, {
      type: 'MapIterationSucceeded',
      mapIterationSucceededEventDetails: { name: mapState, index },
    });
  }
}

const itemInput = (index: number) => ({
  ctx: {},
  tasks: { list: { state: 'success' } },
  gates: {},
  item: index,
  index,
});

describe('mappedTaskInstances', () => {
  it('reads each item of a Map state: its state, its try and the error of a failed item, by map index', () => {
    const h = new History();
    const map = h.add(0, { type: 'MapStateStarted', mapStateStartedEventDetails: { length: 3 } });
    const first = h.iteration(map, 'each', 0);
    const second = h.iteration(map, 'each', 1);
    const third = h.iteration(map, 'each', 2);
    // Item 2 fails its first try and succeeds on its second; item 1 fails for good and is caught.
    const thirdFirstTry = h.workerTry(third, 'each', 2, 'TaskFailed');
    const firstTry = h.workerTry(first, 'each', 0, 'TaskSucceeded');
    const secondTry = h.workerTry(second, 'each', 1, 'TaskFailed');
    const thirdSecondTry = h.workerTry(thirdFirstTry, 'each', 2, 'TaskSucceeded');
    h.ended(h.exit(firstTry, 'each:item', { state: 'success', try: 1, output: 'A' }), 'each', 0);
    h.ended(h.exit(thirdSecondTry, 'each:item', { state: 'success', try: 2, output: 'C' }), 'each', 2);
    const caught = h.exit(secondTry, 'each:item', { ...itemInput(1), error: { Error: 'NonRetryableError' } });
    const failed = h.exit(caught, 'each:item_failed', {
      state: 'failed',
      output: null,
      error: { Error: 'NonRetryableError', Cause: 'no such row' },
    });
    const last = h.ended(failed, 'each', 1);
    // After the Map, its own events and those of the next task (trigger rule all_done) follow the last iteration.
    const mapExited = h.add(last, {
      type: 'MapStateExited',
      stateExitedEventDetails: { name: 'each', output: JSON.stringify({ tasks: {} }) },
    });
    h.exit(h.workerTry(mapExited, 'combine', -1, 'TaskSucceeded'), 'combine', { tasks: {} });

    expect(mappedTaskInstances(h.events)).toEqual([
      { taskId: 'each', mapIndex: 0, state: 'success', try: 1 },
      {
        taskId: 'each',
        mapIndex: 1,
        state: 'failed',
        try: 1,
        error: 'NonRetryableError',
        // The one-line reason the grid shows (issue 13 item 5).
        errorMessage: 'NonRetryableError: no such row',
      },
      { taskId: 'each', mapIndex: 2, state: 'success', try: 2 },
    ]);
  });

  it('reads an item that skipped itself (SkipError) as skipped on its one try, with the reason', () => {
    const h = new History();
    const first = h.iteration(0, 'each', 0);
    const tried = h.workerTry(first, 'each', 0, 'TaskFailed');
    const caught = h.exit(tried, 'each:item', { ...itemInput(0), error: { Error: 'SkipError' } });
    const skipped = h.exit(caught, 'each:item_skipped', {
      state: 'skipped',
      output: null,
      skip: { Error: 'SkipError', Cause: 'empty partition' },
    });
    h.ended(skipped, 'each', 0);

    expect(mappedTaskInstances(h.events)).toEqual([
      { taskId: 'each', mapIndex: 0, state: 'skipped', try: 1, reason: 'empty partition' },
    ]);
  });

  it('reads the events in any order (pages newest first), and several mapped tasks apart', () => {
    const h = new History();
    const a = h.iteration(0, 'extract.rows', 0);
    h.ended(
      h.exit(h.workerTry(a, 'extract.rows', 0, 'TaskSucceeded'), 'extract.rows:item', { state: 'success', try: 1 }),
      'extract.rows',
      0,
    );
    const b = h.iteration(0, 'load', 0);
    h.ended(h.exit(h.workerTry(b, 'load', 0, 'TaskSucceeded'), 'load:item', { state: 'success', try: 3 }), 'load', 0);

    expect(mappedTaskInstances([...h.events].reverse())).toEqual([
      { taskId: 'extract.rows', mapIndex: 0, state: 'success', try: 1 },
      { taskId: 'load', mapIndex: 0, state: 'success', try: 3 },
    ]);
  });

  it('counts the tries of a failed item from its worker messages, and names a Fargate try by its container variable', () => {
    const h = new History();
    const iteration = h.iteration(0, 'crunch', 0);
    let previous = iteration;
    for (let attempt = 0; attempt < 3; attempt++) {
      const scheduled = h.add(previous, {
        type: 'TaskScheduled',
        taskScheduledEventDetails: {
          resourceType: 'ecs',
          resource: 'runTask.waitForTaskToken',
          region: 'us-east-1',
          parameters: JSON.stringify({
            Overrides: {
              ContainerOverrides: [{ Name: 'worker', Environment: [{ Name: 'AIRSTEP_TASK_ID', Value: 'crunch' }] }],
            },
          }),
        },
      });
      previous = h.add(scheduled, { type: 'TaskTimedOut' });
    }
    const caught = h.exit(previous, 'crunch:item', { ...itemInput(0), error: { Error: 'States.Timeout' } });
    h.ended(h.exit(caught, 'crunch:item_failed', { state: 'failed', error: { Error: 'States.Timeout' } }), 'crunch', 0);

    expect(mappedTaskInstances(h.events)).toEqual([
      { taskId: 'crunch', mapIndex: 0, state: 'failed', try: 3, error: 'States.Timeout' },
    ]);
  });

  it('names an item that failed before it sent a message by its siblings, and leaves out items that never ended', () => {
    const h = new History();
    const map = h.add(0, { type: 'MapStateStarted', mapStateStartedEventDetails: { length: 3 } });
    const ok = h.iteration(map, 'each', 0);
    h.ended(h.exit(h.workerTry(ok, 'each', 0, 'TaskSucceeded'), 'each:item', { state: 'success', try: 1 }), 'each', 0);
    // Its message could not be built (States.Runtime): caught before any try.
    const broken = h.iteration(map, 'each', 1);
    const caught = h.exit(broken, 'each:item', { ...itemInput(1), error: { Error: 'States.Runtime' } });
    h.ended(h.exit(caught, 'each:item_failed', { state: 'failed', error: { Error: 'States.Runtime' } }), 'each', 1);
    // Still waiting for its worker when the execution was stopped.
    const running = h.iteration(map, 'each', 2);
    h.add(h.workerTry(running, 'each', 2, 'TaskFailed'), {
      type: 'MapIterationAborted',
      mapIterationAbortedEventDetails: { name: 'each', index: 2 },
    });

    expect(mappedTaskInstances(h.events)).toEqual([
      { taskId: 'each', mapIndex: 0, state: 'success', try: 1 },
      { taskId: 'each', mapIndex: 1, state: 'failed', error: 'States.Runtime' },
    ]);
  });

  it('finds nothing in a history without Map iterations', () => {
    const h = new History();
    h.exit(h.workerTry(0, 'extract', -1, 'TaskSucceeded'), 'extract', {
      ctx: {},
      tasks: { extract: { state: 'success' } },
    });
    expect(mappedTaskInstances(h.events)).toEqual([]);
  });
});
