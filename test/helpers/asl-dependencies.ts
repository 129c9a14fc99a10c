import type { AslState, StateGraph } from '../../lib/compiler/asl-types.ts';

/**
 * Reads back, from a compiled definition alone, which tasks are certain to have ended when each task starts.
 * A forward "must" analysis over the state graph: a task has ended once control leaves its states (or a gate
 * that waited for it opens); a Parallel ends when all its branches end; paths that meet keep only what holds
 * on every path. Comparing the result with the DAG's ancestor sets proves the ASL has no lost and no false edges.
 */
export function tasksEndedBeforeStart(
  definition: StateGraph,
  stateNameOf: ReadonlyMap<string, string>,
): Map<string, Set<string>> {
  const ownerByName = new Map<string, string>();
  for (const [taskId, name] of stateNameOf) ownerByName.set(name, taskId);
  const owner = (state: string): string | undefined =>
    ownerByName.get(state) ?? ownerByName.get(state.slice(0, state.lastIndexOf(':')));
  let startedAt = new Map<string, Set<string>>();
  // A gate that opens after task u also implies every task that had ended before u ended: known only once u's
  // end has been analysed, so repeat until nothing changes.
  let endedWith = new Map<string, Set<string>>();
  let previousEndedWith = new Map<string, Set<string>>();

  const analyse = (states: StateGraph['States'], start: string, initial: Set<string>): Set<string> => {
    const before = new Map<string, Set<string>>([[start, new Set(initial)]]);
    let finished: Set<string> | undefined;
    const queue = [start];
    for (let guard = 0; queue.length > 0; guard++) {
      if (guard > 100_000) throw new Error('analysis did not converge');
      const name = queue.shift()!;
      const state = states[name];
      if (state === undefined) throw new Error(`state ${name} is referenced but not defined`);
      const own = owner(name);
      const after = new Set(before.get(name)!);
      if (state.Type === 'Parallel') {
        for (const branch of state.Branches) {
          for (const id of analyse(branch.States, branch.StartAt, before.get(name)!)) after.add(id);
        }
      }
      const message = (state.Type === 'Task' ? state.Parameters : undefined)?.MessageBody as
        | { kind?: string; waitFor?: string[]; openWhen?: string[] }
        | undefined;
      if (message?.kind === 'gate') {
        // A gate opens once every task it waits for has ended; one with `openWhen` may open at the first of them
        // to end, so only what any one of them ending implies is certain.
        const implied = (message.waitFor ?? []).map((id) => new Set([id, ...(previousEndedWith.get(id) ?? [])]));
        const certain =
          message.openWhen === undefined
            ? implied
            : implied.slice(0, 1).map((first) => implied.reduce(intersect, first));
        for (const set of certain) for (const id of set) after.add(id);
      }
      const targets = nextStates(state);
      if (('End' in state && state.End === true) || state.Type === 'Succeed' || state.Type === 'Fail') {
        const done = new Set(after);
        if (own !== undefined) {
          done.add(own);
          const known = endedWith.get(own);
          endedWith.set(own, known === undefined ? new Set(done) : intersect(known, done));
        }
        finished = finished === undefined ? done : intersect(finished, done);
      }
      for (const target of targets) {
        const carried = new Set(after);
        const targetOwner = owner(target);
        // Leaving a task's states means the task has ended.
        if (own !== undefined && targetOwner !== own) {
          carried.add(own);
          const known = endedWith.get(own);
          endedWith.set(own, known === undefined ? new Set(carried) : intersect(known, carried));
        }
        const known = before.get(target);
        const merged = known === undefined ? carried : intersect(known, carried);
        if (known === undefined || merged.size !== known.size) {
          before.set(target, merged);
          queue.push(target);
        }
      }
    }
    for (const [name, set] of before) {
      const id = ownerByName.get(name) === undefined ? undefined : ownerByName.get(name);
      if (id !== undefined && isRunEntry(states, name)) startedAt.set(id, set);
    }
    for (const [taskId, name] of stateNameOf) {
      for (const entry of [`${name}:start`, `${name}:items`]) {
        const set = before.get(entry);
        if (set !== undefined) startedAt.set(taskId, set);
      }
    }
    return finished ?? new Set();
  };

  for (let round = 0; round < 50; round++) {
    startedAt = new Map();
    endedWith = new Map();
    analyse(definition.States, definition.StartAt, new Set());
    const size = (map: Map<string, Set<string>>) => [...map.values()].reduce((sum, set) => sum + set.size, 0);
    if (size(endedWith) === size(previousEndedWith)) return startedAt;
    previousEndedWith = endedWith;
  }
  throw new Error('gate closure did not converge');
}

/** The state named exactly after a task is where it runs (sensors and literal maps start one state earlier). */
function isRunEntry(states: StateGraph['States'], name: string): boolean {
  return states[`${name}:start`] === undefined && states[`${name}:items`] === undefined;
}

function nextStates(state: AslState): string[] {
  const targets: string[] = [];
  if ('Next' in state && typeof state.Next === 'string') targets.push(state.Next);
  if (state.Type === 'Choice') {
    if (typeof state.Default === 'string') targets.push(state.Default);
    for (const choice of state.Choices) targets.push(choice.Next);
  }
  if ('Catch' in state) for (const handler of state.Catch ?? []) targets.push(handler.Next);
  return targets;
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  return new Set([...a].filter((item) => b.has(item)));
}

/** Every task's ancestors in the DAG (transitive upstream). */
export function ancestorsOf(upstreamOf: ReadonlyMap<string, readonly string[]>): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const set = new Set<string>();
    for (const up of upstreamOf.get(id) ?? []) {
      set.add(up);
      for (const further of visit(up)) set.add(further);
    }
    memo.set(id, set);
    return set;
  };
  for (const id of upstreamOf.keys()) visit(id);
  return memo;
}
