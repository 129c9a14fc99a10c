/**
 * The `Error` Step Functions gives a failed AWS service call, so a `Retry`/`Catch` written for AWS matches in the
 * local engine too.
 *
 * - `aws-sdk:<service>:<action>` (AWS documents it): `<Service>.<Name>Exception`, both in PascalCase. The service
 *   part is the service id in PascalCase with acronyms as words (`SFN` → `Sfn`, `DynamoDB` → `DynamoDb`,
 *   `ACM PCA` → `AcmPca`, `EC2` → `Ec2`), and the `Exception` suffix is added where the service's own name lacks
 *   it (S3's `NoSuchKey` is `S3.NoSuchKeyException`).
 * - An optimised integration (`athena:startQueryExecution.sync`, `states:startExecution.sync:2`, …) keeps the
 *   service's error name, prefixed with the integration's own service name (`Glue.EntityNotFoundException`,
 *   `StepFunctions.ExecutionAlreadyExistsException`).
 */
export function awsSdkIntegrationErrorName(serviceId: string, errorName: string): string {
  return `${pascalServiceName(serviceId)}.${errorName.endsWith('Exception') ? errorName : `${errorName}Exception`}`;
}

/** The prefix of an optimised integration's errors, by its service in the resource ARN, or the client's name. */
export function optimisedIntegrationErrorName(service: string, clientName: string, errorName: string): string {
  return `${OPTIMISED_PREFIX[service] ?? clientName}.${errorName}`;
}

/** Optimised integrations whose prefix is not the AWS SDK v3 client's name (`SFNClient` → `SFN`). */
const OPTIMISED_PREFIX: Readonly<Record<string, string>> = { states: 'StepFunctions' };

/** `ACM PCA` → `AcmPca`, `DynamoDB` → `DynamoDb`, `CloudWatch Logs` → `CloudWatchLogs`, `Route 53` → `Route53`. */
export function pascalServiceName(serviceId: string): string {
  const words = serviceId.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [];
  return words.map((word) => `${word[0]!.toUpperCase()}${word.slice(1).toLowerCase()}`).join('');
}
