import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';

/**
 * The environment the trigger Lambda reads, as the construct sets it, for a test's tables and failed-events queue.
 * The deadline names are `<prefix>-…` stand-ins: the DAGs of the tests that use this declare no deadline, so
 * nothing is scheduled or invoked with them (test/lambdas/deadline.test.ts covers deadlines).
 */
export function triggerEnv(settings: {
  readonly tables: { readonly dags: string; readonly runs: string; readonly queuedRuns: string };
  readonly failedEventsQueueUrl: string;
  readonly prefix: string;
}): Record<string, string> {
  const { tables, failedEventsQueueUrl, prefix } = settings;
  return {
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.runsTable]: tables.runs,
    [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
    [STACK_ENV.failedEventsQueueUrl]: failedEventsQueueUrl,
    [STACK_ENV.deadlineScheduleGroup]: `${prefix}-deadlines`,
    [STACK_ENV.deadlineRoleArn]: `arn:aws:iam::000000000000:role/${prefix}-deadlines`,
    [STACK_ENV.recorderFunctionArn]: `arn:aws:lambda:us-east-1:000000000000:function:${prefix}-recorder`,
  };
}
