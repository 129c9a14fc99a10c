import { carriesOutletExtra, OUTLET_EXTRA_LIMIT_BYTES } from '../compiler/outlet-extra.ts';
import type { TaskMessage, WorkerTask } from '../compiler/worker-contract.ts';
import type { Asset } from '../sdk/asset.ts';
import { NonRetryableError } from '../sdk/errors.ts';
import type { OutletEvent, OutletEvents } from '../sdk/outlet-events.ts';

/**
 * One try's outlet events (`ctx.outletEvents`): what its code attached to each outlet, answered beside its result
 * when the task can carry them (outlet-extra.ts). Misuse fails the try at once, not retried: retrying would do
 * the same.
 */
export class OutletExtras {
  private readonly events = new Map<string, OutletEvent>();

  constructor(
    private readonly task: Pick<WorkerTask, 'id' | 'kind' | 'mapped' | 'outlets'>,
    /** A poke is not the task's success: its events are recorded when the sensor as a whole succeeds. */
    private readonly poke: boolean,
  ) {}

  /** Whether this try answers `outletExtra` (the task's outlets state reads it). */
  get answered(): boolean {
    return (this.task.outlets ?? []).length > 0 && carriesOutletExtra(this.task) && !this.poke;
  }

  readonly accessor: OutletEvents = (asset: Asset | string) => {
    const uri = typeof asset === 'string' ? asset : asset?.uri;
    const outlets = this.task.outlets ?? [];
    if (this.task.mapped) {
      // validate refuses outlets on mapped tasks (lib/compiler/mapped-outlets.ts): say so, not "add it".
      throw new NonRetryableError(
        `task '${this.task.id}' asked for the outlet event of ${JSON.stringify(uri)}, but a mapped task has no outlets: put them on a task downstream of it`,
      );
    }
    if (typeof uri !== 'string' || !outlets.includes(uri)) {
      throw new NonRetryableError(
        `task '${this.task.id}' asked for the outlet event of ${JSON.stringify(uri)}, which is not one of its outlets (${outlets.length > 0 ? outlets.join(', ') : 'it has none'}): add the asset to the task's outlets`,
      );
    }
    if (!this.answered) {
      throw new NonRetryableError(
        `task '${this.task.id}' cannot attach extra to its outlet events: a sensor's event is recorded when it succeeds, not by a poke`,
      );
    }
    let event = this.events.get(uri);
    if (event === undefined) {
      event = { extra: {} };
      this.events.set(uri, event);
    }
    return event;
  };

  /** The extras to answer, one per outlet in order; throws when one is not a JSON object or all are too big. */
  answer(): Array<Record<string, unknown>> {
    const extras = (this.task.outlets ?? []).map((uri) => {
      const event = this.events.get(uri);
      const extra: unknown = event === undefined ? {} : event.extra;
      if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
        throw new NonRetryableError(
          `task '${this.task.id}': the extra of its outlet event for ${uri} must be a JSON object, got ${Array.isArray(extra) ? 'an array' : extra === null ? 'null' : typeof extra}`,
        );
      }
      try {
        return JSON.parse(JSON.stringify(extra)) as Record<string, unknown>;
      } catch (error) {
        throw new NonRetryableError(
          `task '${this.task.id}': the extra of its outlet event for ${uri} is not JSON: ${(error as Error).message}`,
        );
      }
    });
    const bytes = Buffer.byteLength(JSON.stringify(extras));
    if (bytes > OUTLET_EXTRA_LIMIT_BYTES) {
      throw new NonRetryableError(
        `task '${this.task.id}': the extra of its outlet events is ${bytes} bytes of JSON, over the ${OUTLET_EXTRA_LIMIT_BYTES} allowed (it travels in the run's state and in each asset event): keep facts there and put data in XCom or the asset`,
      );
    }
    return extras;
  }
}

/** The extras of an answer the worker makes without running the code (a cleared run's kept instance): all `{}`. */
export function emptyOutletExtra(task: Pick<WorkerTask, 'kind' | 'mapped' | 'outlets'> | undefined) {
  const outlets = task?.outlets ?? [];
  return task !== undefined && outlets.length > 0 && carriesOutletExtra(task)
    ? { outletExtra: outlets.map(() => ({})) }
    : {};
}

/** How many extras a try of the message answers (its live record keeps it for `airstep mark success`). */
export function outletExtraCount(
  message: Pick<TaskMessage, 'kind'>,
  task: Pick<WorkerTask, 'kind' | 'mapped' | 'outlets'> | undefined,
): number {
  return task !== undefined && message.kind === 'task' && carriesOutletExtra(task) ? (task.outlets ?? []).length : 0;
}
