import { gateRecords } from '../compiler/gate-opening.ts';

/**
 * Opens gates: a task whose branch waits for upstream tasks in other branches sends a gate message with a
 * token; each of those upstream tasks sends a signal with its record when it ends. When every task a gate waits
 * for has signalled, the gate is answered with their records keyed by payload key. Signals may arrive before
 * or after the gate; a gate with `openWhen` opens as soon as one record is in one of those states (see
 * gate-opening.ts). One coordinator per engine; state is kept per execution.
 */
export class GateCoordinator {
  private readonly records = new Map<string, Map<string, unknown>>();
  private readonly gates = new Map<
    string,
    Array<{
      waitFor: readonly string[];
      openWhen: readonly string[] | undefined;
      open: (records: Record<string, unknown>) => void;
    }>
  >();

  constructor(private readonly keyOf: (taskId: string) => string) {}

  signal(executionArn: string, taskId: string, record: unknown): void {
    const records = this.records.get(executionArn) ?? new Map<string, unknown>();
    records.set(taskId, record);
    this.records.set(executionArn, records);
    this.release(executionArn);
  }

  /**
   * Signals `record` for each task that has not signalled yet: a split run's parent releasing the gates that wait
   * for the tasks of a child that ended without them (lib/compiler/child-failure-states.ts).
   */
  signalUnsignalled(executionArn: string, taskIds: readonly string[], record: unknown): void {
    const records = this.records.get(executionArn) ?? new Map<string, unknown>();
    for (const taskId of taskIds) if (!records.has(taskId)) records.set(taskId, record);
    this.records.set(executionArn, records);
    this.release(executionArn);
  }

  gate(
    executionArn: string,
    waitFor: readonly string[],
    open: (records: Record<string, unknown>) => void,
    openWhen?: readonly string[],
  ): void {
    const gates = this.gates.get(executionArn) ?? [];
    gates.push({ waitFor, openWhen, open });
    this.gates.set(executionArn, gates);
    this.release(executionArn);
  }

  /** Forget an execution once it has ended. */
  forget(executionArn: string): void {
    this.records.delete(executionArn);
    this.gates.delete(executionArn);
  }

  private release(executionArn: string): void {
    const records = this.records.get(executionArn) ?? new Map<string, unknown>();
    const gates = this.gates.get(executionArn) ?? [];
    const waiting = gates.filter((gate) => {
      const opened = gateRecords(gate.waitFor, gate.openWhen, records);
      if (opened === undefined) return true;
      gate.open(Object.fromEntries(gate.waitFor.map((id) => [this.keyOf(id), opened[id]])));
      return false;
    });
    this.gates.set(executionArn, waiting);
  }
}
