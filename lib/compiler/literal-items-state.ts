import type { TaskEmitContext } from './task-states.ts';
import { STATE_SUFFIX } from './worker-contract.ts';

/**
 * The Pass state that puts a mapping's literal list in the task's record, where its Map (inline or distributed)
 * reads it: one definition of where literal items live.
 */
export function addLiteralItemsState(c: TaskEmitContext, items: readonly unknown[], record: string): void {
  c.add(`${c.name}${STATE_SUFFIX.items}`, {
    Type: 'Pass',
    Result: { items },
    ResultPath: record,
    Next: c.name,
  });
}
