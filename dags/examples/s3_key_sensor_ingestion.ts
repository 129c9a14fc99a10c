import { dag } from 'airstep';
import { readText, writeJson } from '../_shared/s3-io.ts';

/**
 * An S3 key sensor: wait (without holding a worker) until the day's export lands, then ingest it. The sensor
 * pokes every 30 seconds with exponential backoff up to 5 minutes, and gives up after 6 hours.
 */
const sensing = dag({
  id: 's3_key_sensor_ingestion',
  schedule: '@daily',
  startDate: '2026-11-01',
  tags: ['example', 'sensor'],
  params: { bucket: { type: 'string', default: 'airstep-raw' } },
});

const landed = sensing.s3Sensor('wait_for_export', {
  bucket: '{{ params.bucket }}',
  key: 'exports/{{ ds }}/export.json',
  pokeInterval: '30 seconds',
  exponentialBackoff: true,
  maxWait: '5 minutes',
  timeout: '6 hours',
});

sensing.task('ingest_export', { inputs: { landed } }, async (ctx, { landed }) => {
  const rows = JSON.parse(await readText(ctx.params.bucket, landed.key)) as unknown[];
  await writeJson(ctx.params.bucket, `processed/exports/ds=${ctx.ds}/rows.json`, rows);
  return { rows: rows.length };
});

export default sensing;
