import type { MappingSpec } from '../sdk/task-spec.ts';
import type { MappingIR } from './ir.ts';

type At = (problem: { field?: string; message: string }) => void;

/**
 * A mapping's Distributed Map options checked: `distributed` a boolean, tolerated failures whole numbers (a
 * percentage 0-100, as `asl-validator` and every emulator read `ToleratedFailurePercentage`). A cross product
 * cannot run distributed: its combinations are built by inline Maps (cross-product-states.ts) whose events stay
 * in the run's own history, one iteration per combination, so a Distributed Map would not take them out.
 * Whether tolerated failures fit the mapping's mode is known once the mode is chosen (map-mode.ts).
 */
export function distributedMappingIr(
  mapping: Pick<MappingSpec, 'distributed' | 'toleratedFailureCount' | 'toleratedFailurePercentage'>,
  over: MappingIR['over'],
  at: At,
): Pick<MappingIR, 'distributed' | 'toleratedFailures'> {
  const { distributed, toleratedFailureCount: count, toleratedFailurePercentage: percentage } = mapping;
  let ok = true;
  if (distributed !== undefined && typeof distributed !== 'boolean') {
    at({ field: 'distributed', message: `must be true or false, got ${JSON.stringify(distributed)}` });
    ok = false;
  }
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
    at({ field: 'toleratedFailureCount', message: `must be a whole number >= 0, got ${JSON.stringify(count)}` });
    ok = false;
  }
  if (percentage !== undefined && !(Number.isInteger(percentage) && percentage >= 0 && percentage <= 100)) {
    at({
      field: 'toleratedFailurePercentage',
      message: `must be a whole number from 0 to 100, got ${JSON.stringify(percentage)}`,
    });
    ok = false;
  }
  if (ok && count !== undefined && percentage !== undefined) {
    // One threshold, so a run's outcome never depends on how the two are combined.
    at({
      field: 'toleratedFailurePercentage',
      message: 'give toleratedFailureCount or toleratedFailurePercentage, not both',
    });
    ok = false;
  }
  if ('product' in over) {
    const given = (['distributed', 'toleratedFailureCount', 'toleratedFailurePercentage'] as const).filter(
      (field) => mapping[field] !== undefined && mapping[field] !== false,
    );
    for (const field of given) {
      at({
        field,
        message:
          'a cross product (named lists) cannot run as a Distributed Map: its combinations are built by inline Maps ' +
          "in the run's own history; map over one list instead (a task can return the combinations)",
      });
    }
    return {};
  }
  if (!ok) return {};
  return {
    ...(distributed === true ? { distributed: 'requested' as const } : {}),
    ...(count !== undefined || percentage !== undefined
      ? {
          toleratedFailures: {
            ...(count !== undefined ? { count } : {}),
            ...(percentage !== undefined ? { percentage } : {}),
          },
        }
      : {}),
  };
}
