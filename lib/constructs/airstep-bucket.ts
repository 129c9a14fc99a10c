import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AirstepBucketProps {
  /** Where S3 events for `dags/` go (the dag-sync queue). */
  readonly dagEvents: sqs.IQueue;
  /** The bucket's name. @default - a unique name CloudFormation generates */
  readonly bucketName?: string;
  /** Days XCom values are kept. @default 30 */
  readonly xcomRetentionDays?: number;
  /** Days task logs are kept. @default 90 */
  readonly logRetentionDays?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Where S3 server access logs go; none when undefined. @default - no access logging */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/** Prefixes of the Airstep bucket: DAG files, their bundles, XCom values, task logs. */
export const BUCKET_PREFIXES = { dags: 'dags/', artifacts: 'artifacts/', xcom: 'xcom/', logs: 'logs/' } as const;

/**
 * The Airstep bucket: versioned, encrypted, TLS only, no public access; XCom values and logs expire; every
 * object created or removed under `dags/` is announced on the dag-sync queue.
 */
export class AirstepBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AirstepBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
      ...(props.serverAccessLogsBucket !== undefined
        ? { serverAccessLogsBucket: props.serverAccessLogsBucket, serverAccessLogsPrefix: 'airstep-bucket/' }
        : {}),
      lifecycleRules: [
        { id: 'expire-xcom', prefix: BUCKET_PREFIXES.xcom, expiration: Duration.days(props.xcomRetentionDays ?? 30) },
        { id: 'expire-logs', prefix: BUCKET_PREFIXES.logs, expiration: Duration.days(props.logRetentionDays ?? 90) },
        // Versioning keeps every overwritten DAG file and bundle; old versions go after 30 days.
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    const destination = new s3n.SqsDestination(props.dagEvents);
    const filter = { prefix: BUCKET_PREFIXES.dags };
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, filter);
    this.bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, destination, filter);
  }
}
