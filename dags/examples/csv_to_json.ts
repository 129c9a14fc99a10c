import { dag } from 'airstep';
import { parseCsv, readText, writeJson } from '../_shared/s3-io.ts';

/** CSV -> JSON: converts the raw customers CSV to JSON lines beside it, then copies it to an archive (native S3). */
const convert = dag({
  id: 'csv_to_json',
  schedule: null,
  tags: ['example'],
  params: {
    bucket: { type: 'string', default: 'airstep-raw' },
    source: { type: 'string', default: 'raw/customers.csv', pattern: '^.+\\.csv$' },
  },
});

const converted = convert.task('convert', async (ctx) => {
  const rows = parseCsv(await readText(ctx.params.bucket, ctx.params.source));
  const target = ctx.params.source.replace(/\.csv$/, '.json');
  await writeJson(ctx.params.bucket, target, rows);
  return { target, rows: rows.length };
});

convert
  .s3Copy('archive_source', {
    sourceBucket: '{{ params.bucket }}',
    sourceKey: '{{ params.source }}',
    bucket: '{{ params.bucket }}',
    key: 'archive/{{ ds }}/{{ run_id }}.csv',
  })
  .after(converted);

export default convert;
