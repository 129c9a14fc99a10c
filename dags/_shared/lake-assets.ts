import { asset } from 'airstep';

/** The data lake's assets, shared by the DAGs that update them and the DAGs scheduled on them. */
export const orders = asset('s3://airstep-lake/orders', { name: 'orders', extra: { format: 'jsonl' } });
export const customers = asset('s3://airstep-lake/customers', { name: 'customers' });
export const fxRates = asset('https://fx.example.com/rates/daily', { name: 'fx_rates' });
