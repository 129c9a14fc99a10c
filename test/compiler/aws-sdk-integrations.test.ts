import { describe, expect, it } from 'vitest';
import { awsSdkIamActions, awsSdkResource, passedRoles } from '../../lib/compiler/aws-sdk-integrations.ts';

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

  it('adds iam:PassRole where the call hands the service a role: ECS RunTask, SageMaker training, EMR Serverless', () => {
    expect(awsSdkIamActions(awsSdkResource('ecs', 'runTask', true))?.actions).toEqual([
      'ecs:RunTask',
      'ecs:StopTask',
      'ecs:DescribeTasks',
      'events:PutTargets',
      'events:PutRule',
      'events:DescribeRule',
      'iam:PassRole',
    ]);
    expect(awsSdkIamActions(awsSdkResource('sagemaker', 'createTrainingJob', true))?.actions).toContain('iam:PassRole');
    expect(awsSdkIamActions(awsSdkResource('emrserverless', 'startJobRun', true))?.actions).toContain('iam:PassRole');
    expect(awsSdkIamActions('arn:aws:states:::aws-sdk:sagemaker:createTrainingJob')?.actions).toEqual([
      'sagemaker:CreateTrainingJob',
      'iam:PassRole',
    ]);
    for (const [service, action] of [
      ['glue', 'startJobRun'],
      ['batch', 'submitJob'],
      ['athena', 'startQueryExecution'],
      ['codebuild', 'startBuild'],
    ] as const)
      expect(awsSdkIamActions(awsSdkResource(service, action, true))?.actions).not.toContain('iam:PassRole');
  });

  it('names the roles a step passes: literal ARNs, and the path of one read at run time', () => {
    expect(
      passedRoles(awsSdkResource('ecs', 'runTask', true), {
        TaskDefinition: 'report',
        Overrides: { TaskRoleArn: 'arn:aws:iam::1:role/task', 'ExecutionRoleArn.$': '$.execution' },
      }),
    ).toEqual(['arn:aws:iam::1:role/task', '(from $.execution)']);
    expect(passedRoles(awsSdkResource('emrserverless', 'startJobRun', true), { ExecutionRoleArn: 'r' })).toEqual(['r']);
    expect(passedRoles(awsSdkResource('ecs', 'runTask', true), { TaskDefinition: 'report' })).toEqual([]);
    expect(passedRoles(awsSdkResource('glue', 'startJobRun', true), { RoleArn: 'ignored' })).toEqual([]);
  });

  it('knows nothing of resources that are not aws-sdk or .sync integrations', () => {
    expect(awsSdkIamActions('arn:aws:states:::sqs:sendMessage.waitForTaskToken')).toBeUndefined();
    expect(awsSdkIamActions('arn:aws:states:::glue:startCrawler.sync')).toBeUndefined();
  });
});
