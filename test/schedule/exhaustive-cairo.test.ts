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

describe('Exhaustive: every fire in 2026-2027, Africa/Cairo', () => {
  let table: WallClockTable;
  beforeAll(() => {
    table = buildTable('Africa/Cairo');
  }, 60_000);

  it.each(EXPRESSIONS)("'%s' fires as the minute-by-minute reference, locally and on EventBridge", (expression) => {
    // Prepare
    const reference = unixReference(table, expression);
    // Act
    const library = libraryFires('Africa/Cairo', expression, reference.length);
    const eventbridge = eventBridgeReference(table, expression);
    // Assess
    expectSameFires(library, reference, 'lib/schedule');
    expectSameFires(eventbridge, reference, 'EventBridge schedules');
    checkLatestRuns('Africa/Cairo', expression, reference);
  });
});
