import { describe, expect, it } from 'vitest';
import { awsSdkIamActions, awsSdkResource } from '../../lib/compiler/aws-sdk-integrations.ts';

describe('Function: awsSdkIamActions', () => {
  it('names the IAM action of an aws-sdk call, with the IAM prefix and action names that differ from the API', () => {
    expect(awsSdkIamActions('arn:aws:states:::aws-sdk:athena:getQueryResults')).toEqual({
      actions: ['athena:GetQueryResults'],
    });
    expect(awsSdkIamActions('arn:aws:states:::aws-sdk:s3:listObjectsV2')).toEqual({ actions: ['s3:ListBucket'] });
    expect(awsSdkIamActions('arn:aws:states:::aws-sdk:sfn:describeExecution')).toEqual({
      actions: ['states:DescribeExecution'],
    });
    expect(awsSdkIamActions('arn:aws:states:::aws-sdk:emrserverless:getJobRun')).toEqual({
      actions: ['emr-serverless:GetJobRun'],
    });
  });

  it('adds what a .sync job needs: describe and stop, and the managed EventBridge rule where the service uses one', () => {
    expect(awsSdkIamActions(awsSdkResource('athena', 'startQueryExecution', true))).toEqual({
      actions: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution'],
    });
    expect(awsSdkIamActions(awsSdkResource('sfn', 'startExecution', true))).toEqual({
      actions: [
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
        'events:PutTargets',
        'events:PutRule',
        'events:DescribeRule',
      ],
      managedRule: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
    });
  });

  it('knows nothing of resources that are not aws-sdk or .sync integrations', () => {
    expect(awsSdkIamActions('arn:aws:states:::sqs:sendMessage.waitForTaskToken')).toBeUndefined();
    expect(awsSdkIamActions('arn:aws:states:::glue:startCrawler.sync')).toBeUndefined();
  });
});
