/**
 * The exhaustive comparison: for each expression, the fire times over 2026 and 2027 (whole local years in every
 * zone) from lib/schedule's own search, from the minute-by-minute reference, and from evaluating the
 * EventBridge schedules lib/schedule emits with EventBridge's rules, must be the same set.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { nextRuns, scheduledInterval, toEventBridgeSchedules } from '../../../lib/schedule/index.ts';
import { awsCronMatcher } from './aws-cron.ts';
import { unixCronMatcher } from './unix-cron.ts';
import { referenceFires, type WallClockTable, wallClockTable } from './wall-clock-table.ts';

/** Two whole years in every zone (offsets reach ±14 h), as UTC minutes. */
export const RANGE = { start: Date.UTC(2025, 11, 31, 10), end: Date.UTC(2028, 0, 1, 14) };

export const EXPRESSIONS = [
  // DST-sensitive times of day
  '30 2 * * *',
  '0 1 * * *',
  '*/30 * * * *',
  '0 0 * * *',
  '0 23 * * *',
  '15 1,2,3 * * 0',
  '45 23 * * 6,0',
  '*/15 0-3 * * *',
  '10 1-3/2 * * *',
  '0 22-2 * * *',
  '0 */2 * * *',
  // both day fields restricted: a day matches if either does
  '0 0 1,15 * 1',
  '0 9 8-14 * 2',
  '0 0 1-7 * 1',
  '0 0 1-31 * 1',
  '0 0 */2 * 1',
  '30 23 L * 5L,1#1',
  // month ends, leap days, L, W
  '0 12 L * *',
  '0 0 29 2 *',
  '0 0 L 2 *',
  '0 0 31 * *',
  '59 23 31 12 *',
  '0 0,12 1,L * *',
  '0 0 15W * *',
  '0 18 LW * *',
  '30 0 1W * *',
  '0 4 28-3 * *',
  // day-of-week: ranges over Sunday, names, #, L
  '0 9 * * 5-1',
  '0 9 * * FRI-SUN',
  '5 4 * * SUN',
  '0 22 * * 1-5',
  '0 0 * * */2',
  '0 6 * * 1#1',
  '0 6 * * 5L',
  '0 2 * * 0#2,4#4',
  '0 3 * JAN,JUL MON',
  // presets and lists
  '0 0 1 */3 *',
  '0 0 * * 0',
  '0 0 1 1 *',
  '0,2,3,5,7,11,13,17,19,23,29,31,37,41,43,47,53,59 3,5,7,11,13,17,19,23 */5 * *',
];

export const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Africa/Cairo',
  'America/Santiago',
  'Asia/Kolkata',
  'UTC',
];

export function buildTable(zone: string): WallClockTable {
  return wallClockTable(zone, RANGE.start, RANGE.end);
}

/** The fires of a 5-field cron, minute by minute. */
export function unixReference(table: WallClockTable, expression: string): number[] {
  const cron = unixCronMatcher(expression);
  return referenceFires(table, cron.minute, cron.hour, cron.date);
}

/** The fires of lib/schedule's EventBridge schedules, each evaluated by EventBridge's rules, merged. */
export function eventBridgeReference(table: WallClockTable, expression: string): number[] {
  const schedules = toEventBridgeSchedules({ expression: expression, timezone: table.zone, catchup: false });
  expect(schedules.every((schedule) => schedule.timezone === table.zone && schedule.expression.length <= 256)).toBe(
    true,
  );
  const all = new Set<number>();
  for (const schedule of schedules) {
    const aws = awsCronMatcher(schedule.expression);
    const fires = referenceFires(
      table,
      aws.minute,
      aws.hour,
      (year, ...rest) => aws.year(year) && aws.date(year, ...rest),
    );
    for (const fire of fires) all.add(fire);
  }
  return [...all].sort((a, b) => a - b);
}

/** lib/schedule's fires in the range: the runs' fire times, checked to chain (each run starts at the last end). */
export function libraryFires(zone: string, expression: string, expectedCount: number): number[] {
  const runs = nextRuns(
    { expression: expression, timezone: zone, catchup: false },
    new Date(RANGE.start - 1),
    expectedCount + 1,
  );
  const fires: number[] = [];
  let previousEnd: string | undefined;
  for (const run of runs) {
    const fire = Date.parse(run.runAfter);
    if (fire >= RANGE.end) break;
    if (previousEnd !== undefined) expect(run.dataIntervalStart).toBe(previousEnd);
    previousEnd = run.dataIntervalEnd;
    fires.push(fire);
  }
  return fires;
}

/** Samples instants across the range: the run each one falls in must end at the last reference fire. */
export function checkLatestRuns(zone: string, expression: string, reference: number[]): void {
  let index = 0;
  for (let at = RANGE.start + 40 * 86_400_000; at < RANGE.end; at += 17_389 * 60_000 + 17_000) {
    while (index + 1 < reference.length && reference[index + 1]! <= at) index++;
    if (index === 0 || reference[index]! > at) continue;
    const run = scheduledInterval({ expression: expression, timezone: zone, catchup: false }, new Date(at))!;
    expect([Date.parse(run.dataIntervalStart), Date.parse(run.runAfter)]).toEqual([
      reference[index - 1],
      reference[index],
    ]);
  }
}

/** Equal sets, or a failure that lists the first differences as ISO instants. */
export function expectSameFires(actual: number[], expected: number[], label: string): void {
  const want = new Set(expected);
  const got = new Set(actual);
  const missing = expected.filter((fire) => !got.has(fire)).slice(0, 5);
  const extra = actual.filter((fire) => !want.has(fire)).slice(0, 5);
  const iso = (list: number[]) => list.map((fire) => new Date(fire).toISOString());
  expect({ label, missing: iso(missing), extra: iso(extra), count: actual.length }).toEqual({
    label,
    missing: [],
    extra: [],
    count: expected.length,
  });
}

/**
 * The suite for one zone. Each zone has its own test file (they run in parallel workers); this is all they hold.
 */
export function exhaustiveSuite(zone: string): void {
  describe(`Exhaustive: every fire in 2026-2027, ${zone}`, () => {
    let table: WallClockTable;
    beforeAll(() => {
      table = buildTable(zone);
    });
    it.each(EXPRESSIONS)("'%s' fires as the minute-by-minute reference, locally and on EventBridge", (expression) => {
      // Prepare
      const reference = unixReference(table, expression);
      // Act
      const library = libraryFires(zone, expression, reference.length);
      const eventbridge = eventBridgeReference(table, expression);
      // Assess
      expectSameFires(library, reference, 'lib/schedule');
      expectSameFires(eventbridge, reference, 'EventBridge schedules');
      checkLatestRuns(zone, expression, reference);
    });
  });
}
