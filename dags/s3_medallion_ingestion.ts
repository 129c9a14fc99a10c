import { dag } from 'airstep';
import { parseCsv, readText, writeJson } from './_shared/s3-io.ts';

/**
 * The medallion pipeline: raw files in the raw bucket are cleaned into the processed bucket (silver), then
 * summarised into the analytics bucket (gold). Customers and orders are ingested in parallel.
 */
const medallion = dag({
  id: 's3_medallion_ingestion',
  description: 'raw -> processed -> analytics: customers and orders, then a daily summary',
  schedule: '@daily',
  startDate: '2026-11-01',
  catchup: false,
  tags: ['medallion', 's3', 'example'],
  owner: 'data-platform',
  defaultArgs: { retries: 2, retryDelay: '30 seconds', exponentialBackoff: true, executionTimeout: '5 minutes' },
  params: {
    rawBucket: {
      type: 'string',
      default: 'airstep-raw',
      description: 'bucket holding raw/customers.csv and raw/orders.json',
    },
    processedBucket: { type: 'string', default: 'airstep-processed' },
    analyticsBucket: { type: 'string', default: 'airstep-analytics' },
  },
});

const ingestCustomers = medallion.task('ingest_customers', async (ctx) => {
  const rows = parseCsv(await readText(ctx.params.rawBucket, 'raw/customers.csv'));
  const customers = rows
    .filter((row) => row.customer_id !== '')
    .map((row) => ({
      customerId: row.customer_id!,
      name: row.name!,
      email: row.email === '' ? null : row.email!.toLowerCase(),
      country: row.country!,
      signupDate: row.signup_date!,
    }));
  const key = `processed/customers/ds=${ctx.ds}/customers.json`;
  await writeJson(ctx.params.processedBucket, key, customers);
  ctx.log(`cleaned ${customers.length} of ${rows.length} customer rows`);
  return { key, rows: customers.length, missingEmail: customers.filter((c) => c.email === null).length };
});

const ingestOrders = medallion.task('ingest_orders', async (ctx) => {
  const raw = JSON.parse(await readText(ctx.params.rawBucket, 'raw/orders.json')) as Array<Record<string, unknown>>;
  const orders = raw
    .filter((order) => order.status === 'completed')
    .map((order) => ({
      orderId: String(order.order_id),
      customerId: String(order.customer_id),
      amount: Number(order.amount),
    }));
  const key = `processed/orders/ds=${ctx.ds}/orders.json`;
  await writeJson(ctx.params.processedBucket, key, orders);
  ctx.log(`kept ${orders.length} completed orders of ${raw.length}`);
  return { key, rows: orders.length };
});

medallion.task(
  'generate_analytics_summary',
  { inputs: { customers: ingestCustomers, orders: ingestOrders } },
  async (ctx, { customers, orders }) => {
    const customerRows = JSON.parse(await readText(ctx.params.processedBucket, customers.key)) as Array<{
      customerId: string;
      country: string;
    }>;
    const orderRows = JSON.parse(await readText(ctx.params.processedBucket, orders.key)) as Array<{
      customerId: string;
      amount: number;
    }>;
    const countryOf = new Map(customerRows.map((c) => [c.customerId, c.country]));
    const revenueByCountry: Record<string, number> = {};
    let unknownCustomerOrders = 0;
    for (const order of orderRows) {
      const country = countryOf.get(order.customerId);
      if (country === undefined) unknownCustomerOrders++;
      const bucket = country ?? 'unknown';
      revenueByCountry[bucket] = Math.round(((revenueByCountry[bucket] ?? 0) + order.amount) * 100) / 100;
    }
    const summary = {
      ds: ctx.ds,
      customers: customers.rows,
      orders: orders.rows,
      revenue: Math.round(orderRows.reduce((sum, order) => sum + order.amount, 0) * 100) / 100,
      revenueByCountry,
      unknownCustomerOrders,
    };
    const key = `analytics/daily_summary/ds=${ctx.ds}/summary.json`;
    await writeJson(ctx.params.analyticsBucket, key, summary);
    return { key, ...summary };
  },
);

export default medallion;
