import { dag, NonRetryableError, SkipError } from 'airstep';
import { readText, writeJson } from '../_shared/s3-io.ts';

/**
 * Weather ETL: extract observations, transform them into daily statistics per station, load the result. It also
 * shows what a run tells its owners: task and run callbacks, a deadline (Airflow 3.1's deadline alert), and a task
 * that skips itself when there is nothing to do.
 */
const weather = dag({
  id: 'weather_etl',
  schedule: '0 7 * * *',
  startDate: '2026-11-01',
  timezone: 'Europe/Berlin',
  tags: ['example', 'etl'],
  defaultArgs: {
    retries: 3,
    retryDelay: '20 seconds',
    exponentialBackoff: true,
    maxRetryDelay: '2 minutes',
    // Callbacks run on the worker after the state is recorded; what they print goes to the try's log.
    onRetry: ({ taskId, tryNumber, error }) => console.warn(`${taskId}: try ${tryNumber} failed (${error?.message})`),
    onFailure: ({ taskId, error }) => console.error(`${taskId} failed for good: ${error?.message}`),
  },
  params: { bucket: { type: 'string', default: 'airstep-raw' } },
  // The day's statistics are due within a day of the interval's end; a late run alerts and calls back.
  deadline: {
    reference: 'dataIntervalEnd',
    interval: '1 day',
    callback: ({ runId, deadline }) => console.error(`weather_etl ${runId} is late: due by ${deadline}`),
  },
  onFailure: ({ runId, error }) => console.error(`weather_etl ${runId} failed: ${error?.message}`),
});

interface Observation {
  station: string;
  observed_at: string;
  temp_c: number;
  wind_kmh: number | null;
}

const extract = weather.task('extract', { executionTimeout: '2 minutes' }, async (ctx) => {
  const observations = JSON.parse(await readText(ctx.params.bucket, 'raw/weather/observations.json')) as Observation[];
  if (!Array.isArray(observations)) throw new NonRetryableError('observations.json is not a list');
  // Nothing observed: skip this task (no retry), and transform and load with it (all_success), as Airflow does.
  if (observations.length === 0) throw new SkipError(`no observations for ${ctx.ds}`);
  return observations;
});

const transform = weather.task('transform', { inputs: { observations: extract } }, async (_ctx, { observations }) => {
  const byStation = new Map<string, Observation[]>();
  for (const o of observations) byStation.set(o.station, [...(byStation.get(o.station) ?? []), o]);
  return [...byStation.entries()].map(([station, rows]) => {
    const temps = rows.map((row) => row.temp_c);
    const winds = rows.map((row) => row.wind_kmh).filter((wind): wind is number => wind !== null);
    return {
      station,
      minTempC: Math.min(...temps),
      maxTempC: Math.max(...temps),
      meanWindKmh: winds.length > 0 ? Math.round((winds.reduce((a, b) => a + b, 0) / winds.length) * 10) / 10 : null,
    };
  });
});

weather.task('load', { inputs: { stats: transform } }, async (ctx, { stats }) =>
  writeJson(ctx.params.bucket, `processed/weather/ds=${ctx.ds}/daily.json`, stats),
);

export default weather;
