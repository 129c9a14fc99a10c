/**
 * How the local engine follows a `.sync` job the way Step Functions does: after the start call, describe the job
 * until its status is final; a successful job's description is the task's result (shaped as Step Functions
 * returns it), any other final status fails the task with `States.TaskFailed` and the description as its cause.
 * A task stopped early (timeout, run stopped) stops the job, as Step Functions does. Keyed by the aws-sdk
 * `service:action` of the start call (see SYNC_INTEGRATIONS in the compiler).
 *
 * Everything here is in Step Functions' names (PascalCase members): the start call's parameters, its answer and
 * each description are renamed before these rules read them.
 */
type Json = Record<string, unknown>;

export interface SyncJobPoll {
  /** The SDK command that describes the job, and its input from the start call's input and answer. */
  readonly describe: { readonly command: string; readonly input: (start: Json, started: Json) => Json };
  /** The job's status in a description. */
  readonly status: (described: Json) => unknown;
  readonly succeeded: readonly string[];
  readonly failed: readonly string[];
  /** The part of the description that is the task's result (the whole answer unless said). */
  readonly result?: (described: Json) => unknown;
  /** Whether a job in a successful status still failed (an ECS task whose essential container exited non-zero). */
  readonly failedDespite?: (described: Json) => boolean;
  /** The SDK command that stops the job, when a task ends before it. */
  readonly stop?: { readonly command: string; readonly input: (start: Json, started: Json) => Json };
}

const first = (value: unknown): Json => ((Array.isArray(value) ? value[0] : undefined) ?? {}) as Json;
const at = (value: unknown, key: string): unknown => (value as Json | undefined)?.[key];

export const SYNC_JOB_POLLS: Readonly<Record<string, SyncJobPoll>> = {
  // Result: GetQueryExecution's answer ({ QueryExecution: … }).
  'athena:startQueryExecution': {
    describe: { command: 'GetQueryExecution', input: (_, s) => ({ QueryExecutionId: s.QueryExecutionId }) },
    status: (d) => at(at(at(d, 'QueryExecution'), 'Status'), 'State'),
    succeeded: ['SUCCEEDED'],
    failed: ['FAILED', 'CANCELLED'],
    stop: { command: 'StopQueryExecution', input: (_, s) => ({ QueryExecutionId: s.QueryExecutionId }) },
  },
  // Result: the JobRun structure itself.
  'glue:startJobRun': {
    describe: { command: 'GetJobRun', input: (i, s) => ({ JobName: i.JobName, RunId: s.JobRunId }) },
    status: (d) => at(at(d, 'JobRun'), 'JobRunState'),
    succeeded: ['SUCCEEDED'],
    failed: ['FAILED', 'STOPPED', 'TIMEOUT', 'ERROR', 'EXPIRED'],
    result: (d) => at(d, 'JobRun'),
    stop: { command: 'BatchStopJobRun', input: (i, s) => ({ JobName: i.JobName, JobRunIds: [s.JobRunId] }) },
  },
  // Result: the job's JobDetail.
  'batch:submitJob': {
    describe: { command: 'DescribeJobs', input: (_, s) => ({ Jobs: [s.JobId] }) },
    status: (d) => first(d.Jobs).Status,
    succeeded: ['SUCCEEDED'],
    failed: ['FAILED'],
    result: (d) => first(d.Jobs),
    stop: { command: 'TerminateJob', input: (_, s) => ({ JobId: s.JobId, Reason: 'Stopped by Airstep' }) },
  },
  // Result: the ECS task's description; a stopped task fails when an essential container exited non-zero.
  'ecs:runTask': {
    describe: {
      command: 'DescribeTasks',
      input: (i, s) => ({ Cluster: i.Cluster, Tasks: [first(s.Tasks).TaskArn] }),
    },
    status: (d) => first(d.Tasks).LastStatus,
    succeeded: ['STOPPED'],
    failed: [],
    failedDespite: (d) =>
      ((first(d.Tasks).Containers ?? []) as Json[]).some((c) => c.ExitCode !== 0 && c.ExitCode !== undefined),
    result: (d) => first(d.Tasks),
    stop: { command: 'StopTask', input: (i, s) => ({ Cluster: i.Cluster, Task: first(s.Tasks).TaskArn }) },
  },
  // Result: GetJobRun's answer ({ JobRun: … }).
  'emrserverless:startJobRun': {
    describe: {
      command: 'GetJobRun',
      input: (_, s) => ({ ApplicationId: s.ApplicationId, JobRunId: s.JobRunId }),
    },
    status: (d) => at(at(d, 'JobRun'), 'State'),
    succeeded: ['SUCCESS'],
    failed: ['FAILED', 'CANCELLED'],
    stop: {
      command: 'CancelJobRun',
      input: (_, s) => ({ ApplicationId: s.ApplicationId, JobRunId: s.JobRunId }),
    },
  },
  // Result: { Build: … } of BatchGetBuilds' one build.
  'codebuild:startBuild': {
    describe: { command: 'BatchGetBuilds', input: (_, s) => ({ Ids: [at(s.Build, 'Id')] }) },
    status: (d) => first(d.Builds).BuildStatus,
    succeeded: ['SUCCEEDED'],
    failed: ['FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED'],
    result: (d) => ({ Build: first(d.Builds) }),
    stop: { command: 'StopBuild', input: (_, s) => ({ Id: at(s.Build, 'Id') }) },
  },
  // Result (`.sync:2`): DescribeExecution's answer with the child's output as JSON, not text.
  'sfn:startExecution': {
    describe: { command: 'DescribeExecution', input: (_, s) => ({ ExecutionArn: s.ExecutionArn }) },
    status: (d) => d.Status,
    succeeded: ['SUCCEEDED'],
    failed: ['FAILED', 'TIMED_OUT', 'ABORTED'],
    result: (d) => ({ ...d, ...(typeof d.Output === 'string' ? { Output: JSON.parse(d.Output) } : {}) }),
    stop: { command: 'StopExecution', input: (_, s) => ({ ExecutionArn: s.ExecutionArn }) },
  },
  // Result: DescribeTrainingJob's answer.
  'sagemaker:createTrainingJob': {
    describe: { command: 'DescribeTrainingJob', input: (i) => ({ TrainingJobName: i.TrainingJobName }) },
    status: (d) => d.TrainingJobStatus,
    succeeded: ['Completed'],
    failed: ['Failed', 'Stopped'],
    stop: { command: 'StopTrainingJob', input: (i) => ({ TrainingJobName: i.TrainingJobName }) },
  },
};
