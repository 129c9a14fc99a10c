import { beforeAll, describe, it } from 'vitest';
import {
  buildTable,
  checkLatestRuns,
  EXPRESSIONS,
  eventBridgeReference,
  expectSameFires,
  libraryFires,
  unixReference,
} from './reference/exhaustive.ts';
import type { WallClockTable } from './reference/wall-clock-table.ts';

describe('Exhaustive: every fire in 2026-2027, America/Santiago', () => {
  let table: WallClockTable;
  beforeAll(() => {
    table = buildTable('America/Santiago');
  }, 60_000);

  it.each(EXPRESSIONS)("'%s' fires as the minute-by-minute reference, locally and on EventBridge", (expression) => {
    // Prepare
    const reference = unixReference(table, expression);
    // Act
    const library = libraryFires('America/Santiago', expression, reference.length);
    const eventbridge = eventBridgeReference(table, expression);
    // Assess
    expectSameFires(library, reference, 'lib/schedule');
    expectSameFires(eventbridge, reference, 'EventBridge schedules');
    checkLatestRuns('America/Santiago', expression, reference);
  });
});
