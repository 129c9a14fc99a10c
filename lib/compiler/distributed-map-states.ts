import { InternalError } from '../errors/airstep-error.ts';
import type { AslState, MapState, PayloadTemplate, TaskState } from './asl-types.ts';
import type { DagIR, MappingIR, TaskIR } from './ir.ts';
import { addLiteralItemsState } from './literal-items-state.ts';
import { placeholder } from './placeholders.ts';
import type { RunExits, TaskEmitContext } from './task-states.ts';
import { MAP_RESULTS_FIELD, STATE_SUFFIX, WORKER_ERROR } from './worker-contract.ts';

/** Where the results of a distributed mapping go in the stack's bucket: under `xcom/`, so they expire as XCom. */
export const MAP_RESULTS_PREFIX = 'xcom/map-results';

/** The parts of task-states.ts a distributed mapping's states are made of (passed in: no import cycle). */
export interface MappedStateParts {
  readonly workerTaskState: (c: TaskEmitContext, kind: 'task', mapping: MappingIR) => TaskState;
  readonly retryOf: (task: TaskIR, worker: boolean) => Pick<TaskState, 'Retry'>;
  readonly catchAll: (task: TaskIR, exits: Pick<RunExits, 'caught' | 'selfSkipped'>) => Pick<TaskState, 'Catch'>;
}

/**
 * A mapped task as a Distributed Map: each item runs as a child execution (Standard: an item's worker Task waits
 * for its token, which Express executions cannot) with its own history, so the run's history holds only the
 * Map's own events however many items there are.
 *
 * - Items: a literal list from the task's record, as inline; a task's list from S3 with `ItemReader` (the
 *   upstream's worker writes the whole list to the XCom store and its record says where: `items`, see
 *   `itemsLocatorSelector`), so no list is ever in the 256 KiB payload.
 * - Each child gets the run's context and records, the item, its index and the run's execution ARN (a worker
 *   keys pool slots and gates by the run, and a child's `$$.Execution.Id` is its own).
 * - A failed item fails its child execution (no Catch but `SkipError`), so Step Functions counts it against
 *   `ToleratedFailureCount` / `ToleratedFailurePercentage`: within them the task succeeds; one more stops the
 *   items still running and the Map fails with `States.ExceedToleratedFailureThreshold`, caught into a failed
 *   record like any task error. (An inline mapping catches every item so all items run; Step Functions has no
 *   way to count caught failures in a Distributed Map whose results are not in the payload.)
 * - Results: `ResultWriter` writes them to the stack's bucket; the task's record output is a reference to the
 *   Map Run's manifest (`{ mapResults: 's3://…/manifest.json' }`), which workers resolve to the list of item
 *   outputs in item order (`null` for an item that failed or skipped itself), as they resolve an XCom reference.
 *   Each child's output carries its index (`$$.Execution.Input.index`): the result files are not in item order.
 */
export function emitDistributedMapped(
  c: TaskEmitContext,
  mapping: MappingIR,
  exits: RunExits,
  parts: MappedStateParts,
): string {
  const { task } = c;
  const record = `$.tasks.${task.key}`;
  const itemName = `${c.name}${STATE_SUFFIX.item}`;
  const itemSkipped = `${c.name}${STATE_SUFFIX.itemSkipped}`;
  const { over } = mapping;
  if ('product' in over) throw new InternalError(`mapped task '${task.id}': a cross product cannot run distributed`);
  if ('items' in over) addLiteralItemsState(c, over.items, record);
  const itemStates: Record<string, AslState> = {
    [itemName]: {
      ...inChildExecution(parts.workerTaskState(c, 'task', mapping)),
      ResultSelector: {
        'index.$': '$$.Execution.Input.index',
        state: 'success',
        'try.$': '$.try',
        'output.$': '$.output',
      },
      ...parts.retryOf(task, true),
      Catch: [{ ErrorEquals: [WORKER_ERROR.skip], ResultPath: '$.error', Next: itemSkipped }],
      End: true,
    },
    [itemSkipped]: {
      Type: 'Pass',
      Parameters: { 'index.$': '$.index', state: 'skipped', output: null, 'skip.$': '$.error' },
      End: true,
    },
  };
  const tolerated = mapping.toleratedFailures;
  const items: Pick<MapState, 'ItemsPath' | 'ItemReader'> =
    'task' in over
      ? {
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'JSON' },
            Parameters: {
              'Bucket.$': `${c.recordPath(over.task)}.items.Bucket`,
              'Key.$': `${c.recordPath(over.task)}.items.Key`,
            },
          },
        }
      : { ItemsPath: `${record}.items` };
  const output: PayloadTemplate = task.xcomConsumed
    ? {
        output: {
          [`${MAP_RESULTS_FIELD}.$`]:
            "States.Format('s3://{}/{}', $.ResultWriterDetails.Bucket, $.ResultWriterDetails.Key)",
        },
      }
    : {};
  c.add(c.name, {
    Type: 'Map',
    ...items,
    ItemSelector: {
      'ctx.$': '$.ctx',
      'tasks.$': '$.tasks',
      'gates.$': '$.gates',
      'executionArn.$': '$$.Execution.Id',
      'item.$': '$$.Map.Item.Value',
      'index.$': '$$.Map.Item.Index',
    },
    MaxConcurrency: mapping.maxConcurrency,
    ...(tolerated?.count !== undefined ? { ToleratedFailureCount: tolerated.count } : {}),
    ...(tolerated?.percentage !== undefined ? { ToleratedFailurePercentage: tolerated.percentage } : {}),
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: itemName,
      States: itemStates,
    },
    ResultWriter: {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: placeholder.xcomBucket, Prefix: `${MAP_RESULTS_PREFIX}/${c.ir.dagId}/${task.key}` },
    },
    ResultSelector: { state: 'success', ...output },
    ResultPath: record,
    ...parts.catchAll(task, exits),
    ...c.end(exits.success),
  });
  return 'items' in over ? `${c.name}${STATE_SUFFIX.items}` : c.name;
}

/**
 * An item's worker Task as a child execution runs it: the run's execution ARN from the child's input, where the
 * Map's ItemSelector put it, in place of the child's own `$$.Execution.Id`.
 */
function inChildExecution(state: TaskState): TaskState {
  const swap = (value: unknown): unknown => {
    if (value === '$$.Execution.Id') return '$.executionArn';
    if (Array.isArray(value)) return value.map(swap);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    }
    return value;
  };
  return swap(state) as TaskState;
}

/** The tasks whose list a distributed mapping reads with ItemReader, so their worker writes it to the XCom store. */
export function distributedItemSources(ir: Pick<DagIR, 'tasks'>): Set<string> {
  const sources = new Set<string>();
  for (const task of ir.tasks) {
    if (task.kind !== 'code' || task.mapping?.distributed === undefined) continue;
    if ('task' in task.mapping.over) sources.add(task.mapping.over.task);
  }
  return sources;
}

/**
 * The record field of a task whose list a distributed mapping reads: the worker answers where it wrote the
 * list (`{ Bucket, Key }`), and the record keeps it for the Map's ItemReader.
 */
export function itemsLocatorSelector(ir: Pick<DagIR, 'tasks'>, taskId: string): PayloadTemplate {
  return sourcesOf(ir).has(taskId) ? { 'items.$': '$.items' } : {};
}

/**
 * `distributedItemSources` once per IR: asked for every worker task, the scan of every task made emitting
 * quadratic (a 2,000-task DAG spent 6 of its 7 compile seconds here). The IR is never changed once built.
 */
const sourcesByIr = new WeakMap<Pick<DagIR, 'tasks'>['tasks'], Set<string>>();
function sourcesOf(ir: Pick<DagIR, 'tasks'>): Set<string> {
  let sources = sourcesByIr.get(ir.tasks);
  if (sources === undefined) {
    sources = distributedItemSources(ir);
    sourcesByIr.set(ir.tasks, sources);
  }
  return sources;
}
