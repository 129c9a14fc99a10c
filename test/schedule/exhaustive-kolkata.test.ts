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

describe('Exhaustive: every fire in 2026-2027, Asia/Kolkata', () => {
  let table: WallClockTable;
  beforeAll(() => {
    table = buildTable('Asia/Kolkata');
  }, 60_000);

  it.each(EXPRESSIONS)("'%s' fires as the minute-by-minute reference, locally and on EventBridge", (expression) => {
    // Prepare
    const reference = unixReference(table, expression);
    // Act
    const library = libraryFires('Asia/Kolkata', expression, reference.length);
    const eventbridge = eventBridgeReference(table, expression);
    // Assess
    expectSameFires(library, reference, 'lib/schedule');
    expectSameFires(eventbridge, reference, 'EventBridge schedules');
    checkLatestRuns('Asia/Kolkata', expression, reference);
  });
});
