import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** A bucket or table DAGs may use: its name (read and write), or `{ name, access: 'read' }` to only read it. */
export type DataResource = string | { readonly name: string; readonly access: 'read' | 'readWrite' };

/**
 * The user's data DAGs may reach. Granted alike to the state machines (native steps, sensors) and to the roles task
 * code runs under (the Lambda worker and the Fargate worker), as MWAA's execution role is to Airflow's tasks.
 */
export interface DataAccessProps {
  /** Lambda functions DAGs may invoke (ARNs; add `<arn>:*` for versions). @default - none */
  readonly invokableFunctionArns?: readonly string[];
  /** Buckets DAGs may list and read and, unless `access: 'read'`, write and delete objects in. @default - none */
  readonly dataBuckets?: readonly DataResource[];
  /** DynamoDB tables DAGs may read (get, query, scan) and, unless `access: 'read'`, write. @default - none */
  readonly dataTables?: readonly DataResource[];
  /** SNS topics and SQS queues DAGs may send to (ARNs). @default - none */
  readonly messageTargets?: readonly string[];
  /** EventBridge buses DAGs may put events on (ARNs). @default - none */
  readonly eventBuses?: readonly string[];
}

const S3_READ = ['s3:GetObject'];
const S3_WRITE = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
const DYNAMODB_READ = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
];
const DYNAMODB_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

export const dataResourceName = (resource: DataResource): string =>
  typeof resource === 'string' ? resource : resource.name;
const writable = (resource: DataResource) => typeof resource === 'string' || resource.access === 'readWrite';

/** Grants `grantee` what the props name, and nothing when they name nothing. */
export function grantDataAccess(scope: IConstruct, grantee: iam.IGrantable, data: DataAccessProps): void {
  const { region, account, partition } = Stack.of(scope);
  const allow = (actions: string[], resources: readonly string[] | undefined) => {
    if (resources !== undefined && resources.length > 0)
      grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [...resources] }));
  };
  const buckets = data.dataBuckets ?? [];
  const bucketArn = (resource: DataResource) => `arn:${partition}:s3:::${dataResourceName(resource)}`;
  // Listing (s3 list steps, key sensors, task code) is on the bucket; reading and writing on its objects.
  allow(['s3:ListBucket'], buckets.map(bucketArn));
  allow(
    S3_READ,
    buckets.filter((bucket) => !writable(bucket)).map((bucket) => `${bucketArn(bucket)}/*`),
  );
  allow(
    [...S3_READ, ...S3_WRITE],
    buckets.filter(writable).map((bucket) => `${bucketArn(bucket)}/*`),
  );

  const tables = data.dataTables ?? [];
  // A table and its indexes (queries on a secondary index name it).
  const tableArns = (resource: DataResource) => {
    const arn = `arn:${partition}:dynamodb:${region}:${account}:table/${dataResourceName(resource)}`;
    return [arn, `${arn}/index/*`];
  };
  allow(DYNAMODB_READ, tables.filter((table) => !writable(table)).flatMap(tableArns));
  allow([...DYNAMODB_READ, ...DYNAMODB_WRITE], tables.filter(writable).flatMap(tableArns));

  allow(['lambda:InvokeFunction'], data.invokableFunctionArns);
  allow(['sns:Publish', 'sqs:SendMessage'], data.messageTargets);
  allow(['events:PutEvents'], data.eventBuses);
}
