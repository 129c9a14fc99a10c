import { asset, dag, eventPattern, s3ObjectCreated } from 'airstep';
import { readText, writeJson } from '../_shared/s3-io.ts';

/**
 * Runs when new order files land under s3://airstep-raw/landing/orders/ (Airflow's `AssetWatcher`): each new
 * object is an event of the `landing_orders` asset, its bucket and key in the event's `extra`. In the cloud an
 * EventBridge rule on S3's "Object Created" events starts it (the bucket needs EventBridge notifications on);
 * `airstep dev` polls the prefix instead.
 */
export const landingOrders = asset('s3://airstep-raw/landing/orders/', {
  name: 'landing_orders',
  watchers: [s3ObjectCreated()],
});

export const ingest = dag({ id: 's3_event_ingest', schedule: [landingOrders], tags: ['example', 'assets'] });

ingest.task('ingest_new_orders', async (ctx) => {
  const ingested: Array<{ key: string; orders: number; output: string }> = [];
  // Several files may have landed before the run started: it consumes all of them, oldest first.
  for (const event of ctx.triggeringAssetEvents[landingOrders.uri] ?? []) {
    const { bucket, key } = event.extra as { bucket: string; key: string };
    const orders = (await readText(bucket, key))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { id: string; total: number });
    const name = key.slice(key.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
    const output = await writeJson(bucket, `processed/orders/${name}.json`, {
      source: `s3://${bucket}/${key}`,
      orders: orders.length,
      total: orders.reduce((sum, order) => sum + order.total, 0),
    });
    ctx.log(`ingested ${orders.length} order(s) from ${key}`);
    ingested.push({ key, orders: orders.length, output });
  }
  return { ingested };
});

/** Any EventBridge event can update an asset too: here the shop's "Order Placed" events over 100. */
export const largeOrders = asset('events://shop/orders/large', {
  watchers: [
    eventPattern('order-placed', {
      source: ['shop.orders'],
      'detail-type': ['Order Placed'],
      detail: { total: [{ numeric: ['>', 100] }] },
    }),
  ],
});

export const review = dag({ id: 'large_order_review', schedule: [largeOrders], tags: ['example', 'assets'] });

review.task('review_orders', async (ctx) =>
  (ctx.triggeringAssetEvents[largeOrders.uri] ?? []).map((event) => {
    const detail = event.extra.detail as { orderId: string; total: number };
    return { orderId: detail.orderId, total: detail.total, eventId: event.extra.id };
  }),
);

export default ingest;
