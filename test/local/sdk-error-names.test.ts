import { describe, expect, it } from 'vitest';
import {
  awsSdkIntegrationErrorName,
  optimisedIntegrationErrorName,
  pascalServiceName,
} from '../../lib/local/sdk-error-names.ts';

describe("Step Functions' names of AWS service errors", () => {
  it('aws-sdk integrations: the service id in PascalCase, acronyms as words', () => {
    expect(
      ['ACM PCA', 'SFN', 'DynamoDB', 'EC2', 'S3', 'EMR Serverless', 'CloudWatch Logs', 'Route 53', 'SageMaker'].map(
        pascalServiceName,
      ),
    ).toEqual(['AcmPca', 'Sfn', 'DynamoDb', 'Ec2', 'S3', 'EmrServerless', 'CloudWatchLogs', 'Route53', 'SageMaker']);
  });

  it('aws-sdk integrations: Exception is added where the service name lacks it, as AWS documents', () => {
    expect(awsSdkIntegrationErrorName('ACM PCA', 'ResourceNotFoundException')).toBe('AcmPca.ResourceNotFoundException');
    expect(awsSdkIntegrationErrorName('S3', 'BucketAlreadyExists')).toBe('S3.BucketAlreadyExistsException');
  });

  it("optimised integrations keep the service's error name under the integration's own prefix", () => {
    expect(optimisedIntegrationErrorName('glue', 'Glue', 'EntityNotFoundException')).toBe(
      'Glue.EntityNotFoundException',
    );
    expect(optimisedIntegrationErrorName('states', 'SFN', 'ExecutionAlreadyExists')).toBe(
      'StepFunctions.ExecutionAlreadyExists',
    );
  });
});
