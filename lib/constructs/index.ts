// The CDK entry of the package (`airstep/constructs`): the construct, its stack, and the names it deploys with.

export { METRICS_NAMESPACE } from '../stack-contract/metrics.ts';
export { STACK_OUTPUTS } from '../stack-contract/stack-outputs.ts';
export { TABLE_KEYS } from '../stack-contract/tables.ts';
export { Airstep, type AirstepProps, EMULATOR_PROFILES, type EmulatorProfile } from './airstep.ts';
export { BUCKET_PREFIXES } from './airstep-bucket.ts';
export { FUNCTION_NAMES } from './airstep-functions.ts';
export { AirstepPropsError } from './airstep-props-error.ts';
export { AirstepStack, type AirstepStackProps, buildApp, EMULATOR_PROFILE_CONTEXT } from './airstep-stack.ts';
export type { AwsSdkPermission } from './aws-sdk-grants.ts';
