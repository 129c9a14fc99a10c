/**
 * `__proto__` is the one name a JavaScript object cannot hold as a plain key: assigning it (or writing it in an
 * object literal) sets the object's prototype instead, so the entry vanishes. Task ids, group ids, pool names and
 * param names all become keys of plain objects somewhere between the DAG file and the state machine (ASL `States`,
 * the run's task records, `params` in an object literal), so `__proto__` is refused at validate for every kind of
 * name. Every other name Object.prototype has (`constructor`, `toString`, `hasOwnProperty`, …) works as any other
 * name does: the runtime reads such maps by own keys only, or builds them without a prototype.
 */
export const PROTOTYPE_KEY = '__proto__';

export function reservedNameMessage(kind: 'task id' | 'group id' | 'pool name' | 'param name'): string {
  return `'${PROTOTYPE_KEY}' cannot be a ${kind}: JavaScript objects treat that key as their prototype, so it would be lost`;
}
