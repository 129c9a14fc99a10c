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

describe('Exhaustive: every fire in 2026-2027, Australia/Lord_Howe', () => {
  let table: WallClockTable;
  beforeAll(() => {
    table = buildTable('Australia/Lord_Howe');
  }, 60_000);

  it.each(EXPRESSIONS)("'%s' fires as the minute-by-minute reference, locally and on EventBridge", (expression) => {
    // Prepare
    const reference = unixReference(table, expression);
    // Act
    const library = libraryFires('Australia/Lord_Howe', expression, reference.length);
    const eventbridge = eventBridgeReference(table, expression);
    // Assess
    expectSameFires(library, reference, 'lib/schedule');
    expectSameFires(eventbridge, reference, 'EventBridge schedules');
    checkLatestRuns('Australia/Lord_Howe', expression, reference);
  });
});
