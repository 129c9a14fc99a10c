/**
 * The brute-force clock: every UTC minute of a range, read in a zone through `Intl.DateTimeFormat` one minute at
 * a time. No offset arithmetic, no caching: what the tz database says the clock shows, and whether it shows that
 * reading for the first time (EventBridge Scheduler fires a repeated fall-back time once, at its first showing).
 */

export interface WallClockTable {
  readonly zone: string;
  /** The first UTC minute, in epoch ms. */
  readonly startMs: number;
  readonly length: number;
  readonly year: Uint16Array;
  readonly month: Uint8Array;
  readonly day: Uint8Array;
  readonly hour: Uint8Array;
  readonly minute: Uint8Array;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: Uint8Array;
  /** Days in the wall date's month. */
  readonly lastDay: Uint8Array;
  /** Wall date as days since 1970-01-01, to cache per-date answers. */
  readonly dayNumber: Int32Array;
  /** 1 when this wall reading is later than every reading before it, i.e. shown for the first time. */
  readonly first: Uint8Array;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function wallClockTable(zone: string, startMs: number, endMs: number): WallClockTable {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const length = Math.floor((endMs - startMs) / 60_000);
  const table = {
    zone,
    startMs,
    length,
    year: new Uint16Array(length),
    month: new Uint8Array(length),
    day: new Uint8Array(length),
    hour: new Uint8Array(length),
    minute: new Uint8Array(length),
    weekday: new Uint8Array(length),
    lastDay: new Uint8Array(length),
    dayNumber: new Int32Array(length),
    first: new Uint8Array(length),
  };
  let latestReading = Number.NEGATIVE_INFINITY;
  let date = '';
  let dayNumber = 0;
  let lastDay = 0;
  for (let index = 0; index < length; index++) {
    // 'Wed, 12/31/2025, 19:00': fixed positions with 2-digit fields (checked), cheaper than a regex per minute.
    const text = format.format(startMs + index * 60_000);
    if (text.length !== 22 || text[7] !== '/' || text[10] !== '/' || text[19] !== ':') {
      throw new Error(`unexpected Intl output '${text}'`);
    }
    const year = Number(text.slice(11, 15));
    const month = Number(text.slice(5, 7));
    const day = Number(text.slice(8, 10));
    const hour = Number(text.slice(17, 19));
    const minute = Number(text.slice(20, 22));
    if (text.slice(5, 15) !== date) {
      date = text.slice(5, 15);
      dayNumber = Date.UTC(year, month - 1, day) / 86_400_000;
      lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    }
    table.year[index] = year;
    table.month[index] = month;
    table.day[index] = day;
    table.hour[index] = hour;
    table.minute[index] = minute;
    table.weekday[index] = WEEKDAYS.indexOf(text.slice(0, 3));
    table.lastDay[index] = lastDay;
    table.dayNumber[index] = dayNumber;
    const reading = dayNumber * 1440 + hour * 60 + minute;
    table.first[index] = reading > latestReading ? 1 : 0;
    latestReading = Math.max(latestReading, reading);
  }
  return table;
}

/** The instants (epoch ms) of the table's minutes that `fires` accepts, considering first showings only. */
export function referenceFires(
  table: WallClockTable,
  minuteOk: (minute: number) => boolean,
  hourOk: (hour: number) => boolean,
  dateOk: (year: number, month: number, day: number, weekday: number, lastDay: number) => boolean,
): number[] {
  const minutes = Array.from({ length: 60 }, (_, value) => minuteOk(value));
  const hours = Array.from({ length: 24 }, (_, value) => hourOk(value));
  const dates = new Map<number, boolean>();
  const fires: number[] = [];
  for (let index = 0; index < table.length; index++) {
    if (table.first[index] === 0 || !minutes[table.minute[index]!] || !hours[table.hour[index]!]) continue;
    const dayNumber = table.dayNumber[index]!;
    let ok = dates.get(dayNumber);
    if (ok === undefined) {
      ok = dateOk(
        table.year[index]!,
        table.month[index]!,
        table.day[index]!,
        table.weekday[index]!,
        table.lastDay[index]!,
      );
      dates.set(dayNumber, ok);
    }
    if (ok) fires.push(table.startMs + index * 60_000);
  }
  return fires;
}
