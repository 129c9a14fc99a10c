import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { RunningEmulator } from '../../../lib/emulator/launcher.ts';
import { AwsServiceResources } from '../../../lib/local/aws-service-resources.ts';
import { EXAMPLE_BUCKETS, seedExampleBuckets } from '../../../lib/local/example-buckets.ts';
import { EXPORT_KEY, EXPORT_ROWS } from '../cases/examples.ts';

/**
 * The services the example DAGs use, on the emulator: task code (which reads AWS_ENDPOINT_URL) and the local
 * engine's native steps both go there, so both sides of a case see the same buckets, table and topic.
 */
export interface EmulatorServices {
  /** For the local engine's native steps. */
  readonly native: AwsServiceResources;
  /** The SNS topic the examples alert to. */
  readonly topicArn: string;
}

export async function useEmulatorServices(emulator: RunningEmulator): Promise<EmulatorServices> {
  Object.assign(process.env, emulator.env);
  const config = { endpoint: emulator.endpoint, region: 'us-east-1', credentials: credentialsOf(emulator) };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const dynamo = new DynamoDBClient(config);
  const sns = new SNSClient(config);
  try {
    await seedExampleBuckets(s3);
    await s3.send(
      new PutObjectCommand({ Bucket: EXAMPLE_BUCKETS.raw, Key: EXPORT_KEY, Body: JSON.stringify(EXPORT_ROWS) }),
    );
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'airstep-audit',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'airstep-alerts' }));
    return {
      native: new AwsServiceResources({ endpoint: emulator.endpoint, region: 'us-east-1' }),
      topicArn: TopicArn!,
    };
  } finally {
    s3.destroy();
    dynamo.destroy();
    sns.destroy();
  }
}

function credentialsOf(emulator: RunningEmulator) {
  return { accessKeyId: emulator.env.AWS_ACCESS_KEY_ID!, secretAccessKey: emulator.env.AWS_SECRET_ACCESS_KEY! };
}
