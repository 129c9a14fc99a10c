import { dag } from 'airstep';
import { customers, fxRates, orders } from '../_shared/lake-assets.ts';

/**
 * Runs when both `orders` and `customers` have been updated since its last asset-triggered run (Airflow's
 * `schedule=[orders, customers]`); `asset_consumer_any` runs on the fx rates OR every day at 06:00. A run's
 * `triggeringAssetEvents` say which events started it (asset URI -> events, oldest first).
 */
export const consumer = dag({ id: 'asset_consumer', schedule: [orders, customers], tags: ['example', 'assets'] });

consumer.task('report', async (ctx) => {
  const updated = Object.entries(ctx.triggeringAssetEvents).map(([uri, events]) => ({
    uri,
    events: events.length,
    by: events.map((event) => `${event.sourceDagId}.${event.sourceTaskId}`),
    extra: events.map((event) => event.extra),
  }));
  ctx.log(`${ctx.runType} run ${ctx.runId}: ${JSON.stringify(updated)}`);
  return { runType: ctx.runType, updated };
});

export const repricing = dag({
  id: 'asset_consumer_any',
  schedule: { time: '0 6 * * *', assets: fxRates.or(orders.and(customers)) },
  startDate: '2026-01-01',
  tags: ['example', 'assets'],
});

repricing.task('reprice', async (ctx) => ({ runType: ctx.runType, assets: Object.keys(ctx.triggeringAssetEvents) }));

export default consumer;
