import { dag } from 'airstep';
import { customers, orders } from '../_shared/lake-assets.ts';

/**
 * Updates two assets: each task's `outlets` get an asset event when the task succeeds (not when it fails or is
 * skipped). `asset_consumer` runs once both have been updated. Locally: `airstep run` records the events and
 * `airstep dev` starts the consumer; `airstep assets` lists them.
 */
const producer = dag({ id: 'asset_producer', schedule: null, tags: ['example', 'assets'] });

const loadOrders = producer.task('load_orders', { outlets: [orders] }, async (ctx) => {
  ctx.log(`loaded the orders of ${ctx.ds}`);
  // Facts about this update, carried by its asset event (Airflow's `outlet_events[orders].extra`).
  ctx.outletEvents(orders).extra = { rows: 42, partition: ctx.ds };
  return { rows: 42 };
});

producer.task('load_customers', { outlets: [customers] }, async () => ({ rows: 7 })).after(loadOrders);

export default producer;
