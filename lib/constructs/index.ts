export { Airstep, type AirstepProps } from './airstep.ts';
export { BUCKET_PREFIXES } from './airstep-bucket.ts';
export { FUNCTION_NAMES } from './airstep-functions.ts';
export { AirstepStack, type AirstepStackProps, buildApp } from './airstep-stack.ts';
export { METRICS_NAMESPACE } from './alerts.ts';
export { TABLE_KEYS } from './metadata-tables.ts';
