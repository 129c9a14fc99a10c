import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { MapState } from '../compiler/asl-types.ts';
import { readPath } from './jsonpath.ts';
import { applyTemplate } from './payload-template.ts';
import { messageOf, runtimeError, StatesError } from './states-error.ts';

/**
 * Where a local Distributed Map reads its items (`ItemReader`, S3 `getObject` of a JSON list) and writes its
 * results (`ResultWriter`): the local XCom store stands for S3 (local-map-io.ts).
 */
export interface DistributedMapIo {
  readItems(bucket: string, key: string): Promise<unknown>;
  openResults(bucket: string, prefix: string, mapRunArn: string): Promise<MapResultsWriter>;
}

/** One child execution's end, as a ResultWriter result file lists it. */
export type ChildResult =
  | { readonly Status: 'SUCCEEDED'; readonly Output: string }
  | { readonly Status: 'FAILED'; readonly Error: string; readonly Cause: string };

export interface MapResultsWriter {
  add(result: ChildResult): void;
  /** Writes the manifest; answers the Map's result (`ResultWriterDetails`). */
  close(): Promise<{ readonly Bucket: string; readonly Key: string }>;
}

/** Child executions running at once when `MaxConcurrency` is 0: Step Functions' own bound for a Map Run. */
export const DISTRIBUTED_MAP_CONCURRENCY = 10_000;

export interface DistributedMapRun {
  readonly name: string;
  readonly state: MapState;
  readonly input: unknown;
  /** The Map state's context (its `$$`). */
  readonly context: Record<string, unknown>;
  readonly executionArn: string;
  readonly signal: AbortSignal;
  readonly io: DistributedMapIo | undefined;
  /** Runs the item processor as a child execution with its own context; its output, or it throws. */
  readonly runChild: (input: unknown, context: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;
}

/**
 * A Distributed Map as Step Functions runs it, in one process: items read with the ItemReader (or from
 * ItemsPath), each run as a child execution with its own context (`$$.Execution` is the child's: its id, its
 * input), at most `MaxConcurrency` at once (Step Functions' 10,000 when 0). A failed child counts against
 * `ToleratedFailureCount` / `ToleratedFailurePercentage` (0 by default): one more stops the children still
 * running and fails the state with `States.ExceedToleratedFailureThreshold`. With a ResultWriter, each child's
 * end is written as it comes (nothing per item is kept here, so 100,000 items take no more memory than 100) and
 * the result is `{ MapRunArn, ResultWriterDetails }`; without one, the children's outputs in item order.
 */
export async function runDistributedMap(run: DistributedMapRun): Promise<unknown> {
  const { state, input, context, io } = run;
  const items = await readItems(run);
  const total = items.length;
  const mapRunArn = `${run.executionArn.replace(':execution:', ':mapRun:')}/${encodeURIComponent(run.name)}:${randomUUID()}`;
  let writer: MapResultsWriter | undefined;
  if (state.ResultWriter !== undefined) {
    const target = applyTemplate(state.ResultWriter.Parameters, input, context) as {
      Bucket?: unknown;
      Prefix?: unknown;
    };
    if (io === undefined) throw runtimeError(`Map state '${run.name}': this engine has no store for its ResultWriter`);
    writer = await io.openResults(String(target.Bucket), String(target.Prefix ?? ''), mapRunArn);
  }
  const outputs: unknown[] | undefined = writer === undefined ? new Array(total).fill(null) : undefined;
  const selector = state.ItemSelector ?? state.Parameters;
  const limit =
    state.MaxConcurrency !== undefined && state.MaxConcurrency > 0 ? state.MaxConcurrency : DISTRIBUTED_MAP_CONCURRENCY;
  const toleratedCount = state.ToleratedFailureCount ?? 0;
  const toleratedPercent = state.ToleratedFailurePercentage ?? 0;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort(run.signal.reason);
  run.signal.addEventListener('abort', onAbort, { once: true });
  let failures = 0;
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        if (error !== undefined) {
          stop.abort(error);
          reject(error);
        } else resolve();
      };
      const startOne = (index: number) => {
        const item = items[index];
        const itemContext = { ...context, Map: { Item: { Index: index, Value: item } } };
        const childInput = selector !== undefined ? applyTemplate(selector, input, itemContext) : item;
        const childName = `${index}`;
        const childContext = {
          Execution: {
            Id: `${mapRunArn.replace(':mapRun:', ':execution:')}:${childName}`,
            Name: childName,
            StartTime: new Date().toISOString(),
            Input: childInput,
          },
          StateMachine: (context as { StateMachine?: unknown }).StateMachine,
        };
        running++;
        run.runChild(childInput, childContext, stop.signal).then(
          (output) => {
            running--;
            if (settled) return;
            if (writer !== undefined) writer.add({ Status: 'SUCCEEDED', Output: JSON.stringify(output) });
            else outputs![index] = output;
            pump();
          },
          (error: unknown) => {
            running--;
            if (settled) return;
            failures++;
            const failure =
              error instanceof StatesError ? error : new StatesError('States.TaskFailed', messageOf(error));
            writer?.add({ Status: 'FAILED', Error: failure.error, Cause: failure.cause_ });
            const over = toleratedPercent > 0 ? (failures / total) * 100 > toleratedPercent : failures > toleratedCount;
            if (over) {
              finish(
                new StatesError(
                  'States.ExceedToleratedFailureThreshold',
                  `the Map Run failed ${failures} of ${total} items, more than it tolerates`,
                ),
              );
              return;
            }
            pump();
          },
        );
      };
      // Children start in batches, one turn of the event loop each, so a Ctrl-C is seen between them.
      let scheduled = false;
      const pump = () => {
        if (settled) return;
        if (next >= total && running === 0) {
          finish();
          return;
        }
        let started = 0;
        while (next < total && running < limit && started < 200) {
          startOne(next++);
          started++;
        }
        if (next < total && running < limit && !scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            pump();
          });
        }
      };
      if (run.signal.aborted) finish(run.signal.reason);
      else pump();
    });
  } finally {
    run.signal.removeEventListener('abort', onAbort);
  }
  if (writer === undefined) return outputs;
  return { MapRunArn: mapRunArn, ResultWriterDetails: await writer.close() };
}

async function readItems(run: DistributedMapRun): Promise<unknown[]> {
  const { state, input, context } = run;
  let items: unknown;
  if (state.ItemReader !== undefined) {
    const where = applyTemplate(state.ItemReader.Parameters, input, context) as { Bucket?: unknown; Key?: unknown };
    if (typeof where.Bucket !== 'string' || typeof where.Key !== 'string') {
      throw new StatesError('States.ItemReaderFailed', `Map state '${run.name}': the ItemReader has no Bucket and Key`);
    }
    if (run.io === undefined) {
      throw new StatesError(
        'States.ItemReaderFailed',
        `Map state '${run.name}': this engine has no store to read items from`,
      );
    }
    try {
      items = await run.io.readItems(where.Bucket, where.Key);
    } catch (error) {
      throw new StatesError('States.ItemReaderFailed', `s3://${where.Bucket}/${where.Key}: ${messageOf(error)}`);
    }
    if (!Array.isArray(items)) {
      throw new StatesError('States.ItemReaderFailed', `s3://${where.Bucket}/${where.Key} does not hold a JSON list`);
    }
    return items;
  }
  items = readPath(state.ItemsPath ?? '$', input, context);
  if (!Array.isArray(items)) {
    throw runtimeError(
      `Map state '${run.name}': ItemsPath ${String(state.ItemsPath ?? '$')} does not point to an array`,
    );
  }
  return items;
}
