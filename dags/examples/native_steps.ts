import { dag } from 'airstep';

/**
 * Native Step Functions steps need no worker: S3, DynamoDB, SQS, SNS and EventBridge calls, waits and empty
 * join points, with `{{ templates }}` filled in by Step Functions. A short-circuit stops the run on quiet days.
 */
const native = dag({
  id: 'native_steps',
  schedule: '@daily',
  startDate: '2026-11-01',
  tags: ['example', 'native'],
  params: {
    bucket: { type: 'string', default: 'airstep-raw' },
    table: { type: 'string', default: 'airstep-audit' },
    topicArn: { type: 'string', default: 'arn:aws:sns:us-east-1:000000000000:airstep-alerts' },
  },
});

const listing = native.s3List('list_exports', {
  bucket: '{{ params.bucket }}',
  prefix: 'exports/{{ ds }}/',
  maxKeys: 100,
});
const hasFiles = native.shortCircuit(
  'has_exports',
  { inputs: { listing } },
  async (_ctx, { listing }) => listing.KeyCount > 0,
);

const audit = native.dynamoPut('record_audit', {
  table: '{{ params.table }}',
  item: {
    pk: { S: 'run#{{ run_id }}' },
    ds: { S: '{{ ds }}' },
    files: { S: '{{ xcom.list_exports.KeyCount }} files' },
  },
  upstream: [hasFiles, listing],
});
const cool = native.wait('cool_down', { duration: '10 seconds', upstream: hasFiles });
const done = native.empty('done', { upstream: [audit, cool] });

native.snsPublish('notify', {
  topicArn: '{{ params.topicArn }}',
  subject: 'exports processed',
  message: 'exports for {{ ds }} processed in run {{ run_id }}',
  upstream: done,
});
native.eventsPut('emit_event', {
  entries: [{ source: 'airstep.examples', detailType: 'ExportsProcessed', detail: { ds: '{{ ds }}' } }],
  upstream: done,
});
native.empty('always_cleanup', { triggerRule: 'all_done', upstream: done });

export default native;
