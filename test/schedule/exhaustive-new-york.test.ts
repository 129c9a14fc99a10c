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

describe('Exhaustive: every fire in 2026-2027, America/New_York', () => {
  let table: WallClockTable;
  beforeAll(() => {
    table = buildTable('America/New_York');
  }, 60_000);

  it.each(EXPRESSIONS)("'%s' fires as the minute-by-minute reference, locally and on EventBridge", (expression) => {
    // Prepare
    const reference = unixReference(table, expression);
    // Act
    const library = libraryFires('America/New_York', expression, reference.length);
    const eventbridge = eventBridgeReference(table, expression);
    // Assess
    expectSameFires(library, reference, 'lib/schedule');
    expectSameFires(eventbridge, reference, 'EventBridge schedules');
    checkLatestRuns('America/New_York', expression, reference);
  });
});
