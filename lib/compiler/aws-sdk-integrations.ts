/**
 * `awsSdk` steps in Step Functions' terms: the Task resource each compiles to, which actions have an optimised
 * `.sync` integration, and the IAM actions a resource needs (IAM names differ from API names now and then, and a
 * `.sync` job is also described, stopped and watched through an EventBridge rule Step Functions manages).
 */

/** An optimised integration that runs a job to its end (`.sync`), keyed by the aws-sdk `service:action`. */
export interface SyncIntegration {
  /** The resource after `arn:aws:states:::`. */
  readonly resource: string;
  /** IAM actions Step Functions needs for it, the start action first. */
  readonly iamActions: readonly string[];
  /** The EventBridge rule Step Functions manages to learn the job ended (`events:PutTargets`, `PutRule`, `DescribeRule` on it). */
  readonly managedRule?: string;
}

const EVENTS_RULE_ACTIONS = ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'] as const;

/**
 * The `.sync` integrations of the services the issue names, from the Step Functions developer guide's pages for
 * each service ("Run a Job (.sync)" IAM policies). Their parameters are the API's request members, as the
 * aws-sdk integration's are.
 */
export const SYNC_INTEGRATIONS: Readonly<Record<string, SyncIntegration>> = {
  'athena:startQueryExecution': {
    resource: 'athena:startQueryExecution.sync',
    iamActions: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution'],
  },
  'glue:startJobRun': {
    resource: 'glue:startJobRun.sync',
    iamActions: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
  },
  'batch:submitJob': {
    resource: 'batch:submitJob.sync',
    iamActions: ['batch:SubmitJob', 'batch:DescribeJobs', 'batch:TerminateJob'],
    managedRule: 'StepFunctionsGetEventsForBatchJobsRule',
  },
  'ecs:runTask': {
    resource: 'ecs:runTask.sync',
    iamActions: ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks'],
    managedRule: 'StepFunctionsGetEventsForECSTaskRule',
  },
  'emrserverless:startJobRun': {
    resource: 'emr-serverless:startJobRun.sync',
    iamActions: ['emr-serverless:StartJobRun', 'emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'],
    managedRule: 'StepFunctionsGetEventsForEMRServerlessJobRule',
  },
  'codebuild:startBuild': {
    resource: 'codebuild:startBuild.sync',
    iamActions: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
    managedRule: 'StepFunctionsGetEventsForCodeBuildStartBuildRule',
  },
  'sfn:startExecution': {
    resource: 'states:startExecution.sync:2',
    iamActions: ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'],
    managedRule: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
  },
  'sagemaker:createTrainingJob': {
    resource: 'sagemaker:createTrainingJob.sync',
    iamActions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'],
    managedRule: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule',
  },
};

const STATES = 'arn:aws:states:::';

/**
 * Calls that hand the service an IAM role (so the caller needs `iam:PassRole` on it), keyed by aws-sdk
 * `service:action`, with the request members that name the role. ECS RunTask passes the task definition's task
 * and execution roles too, which the request does not name. From each API's reference ("the caller must have
 * iam:PassRole") and Step Functions' IAM templates; Glue, Batch, Athena and CodeBuild jobs use roles of their own.
 */
const PASSES_ROLE: Readonly<Record<string, { readonly members: readonly string[]; readonly passedTo: string }>> = {
  // `passedTo`: the service principal IAM sees as `iam:PassedToService` (the one each role's trust policy names).
  'ecs:runTask': {
    members: ['Overrides.TaskRoleArn', 'Overrides.ExecutionRoleArn'],
    passedTo: 'ecs-tasks.amazonaws.com',
  },
  'sagemaker:createTrainingJob': { members: ['RoleArn'], passedTo: 'sagemaker.amazonaws.com' },
  'emrserverless:startJobRun': { members: ['ExecutionRoleArn'], passedTo: 'emr-serverless.amazonaws.com' },
};

/** The services Airstep's awsSdk steps may hand a role to (`iam:PassedToService` of the state machines' PassRole). */
export const PASSED_ROLE_SERVICES: readonly string[] = [
  ...new Set(Object.values(PASSES_ROLE).map((call) => call.passedTo)),
].sort();

/** The Task resource of an `awsSdk` step. */
export function awsSdkResource(service: string, action: string, sync: boolean): string {
  if (sync) {
    const integration = SYNC_INTEGRATIONS[`${service}:${action}`];
    if (integration !== undefined) return `${STATES}${integration.resource}`;
  }
  return `${STATES}aws-sdk:${service}:${action}`;
}

/** Problems with an `awsSdk` step's service, action and `sync`, by field. */
export function awsSdkProblems(fields: Readonly<Record<string, unknown>>): Array<{ field: string; message: string }> {
  const { service, action, sync } = fields;
  if (typeof service !== 'string' || typeof action !== 'string') return [];
  const problems: Array<{ field: string; message: string }> = [];
  if (!/^[a-z0-9]+$/.test(service)) {
    problems.push({ field: 'command', message: `service '${service}' is not a Step Functions aws-sdk service name` });
  }
  if (!/^[a-z][A-Za-z0-9]*$/.test(action)) {
    problems.push({ field: 'command', message: `action '${action}' is not a camelCase API action` });
  }
  if (sync === true && SYNC_INTEGRATIONS[`${service}:${action}`] === undefined) {
    const offered = Object.keys(SYNC_INTEGRATIONS).join(', ');
    problems.push({
      field: 'sync',
      message: `${service}:${action} has no optimised .sync integration in Step Functions (only ${offered}); call it without sync and wait with a sensor`,
    });
  }
  return problems;
}

/** IAM prefixes that differ from Step Functions' aws-sdk service names. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  sfn: 'states',
  emrserverless: 'emr-serverless',
  cloudwatchlogs: 'logs',
  eventbridge: 'events',
  elasticloadbalancingv2: 'elasticloadbalancing',
  sesv2: 'ses',
  apigatewayv2: 'apigateway',
  costexplorer: 'ce',
  acmpca: 'acm-pca',
};

/** API actions whose IAM action has another name. */
const IAM_ACTION: Readonly<Record<string, readonly string[]>> = {
  's3:listBuckets': ['s3:ListAllMyBuckets'],
  's3:listObjectsV2': ['s3:ListBucket'],
  's3:listObjects': ['s3:ListBucket'],
  's3:listObjectVersions': ['s3:ListBucketVersions'],
  's3:headObject': ['s3:GetObject'],
  's3:headBucket': ['s3:ListBucket'],
  's3:copyObject': ['s3:GetObject', 's3:PutObject'],
  's3:deleteObjects': ['s3:DeleteObject'],
  'lambda:invoke': ['lambda:InvokeFunction'],
};

/**
 * The IAM actions a Task resource of an `awsSdk` step needs (`arn:aws:states:::aws-sdk:s3:listObjectsV2` →
 * `s3:ListBucket`; `arn:aws:states:::athena:startQueryExecution.sync` → start, get, stop, plus the managed
 * rule's `events:*` for the services that watch their jobs through EventBridge). Undefined for other resources.
 */
export function awsSdkIamActions(resource: string): { actions: string[]; managedRule?: string } | undefined {
  if (!resource.startsWith(STATES)) return undefined;
  const rest = resource.slice(STATES.length);
  const sdk = /^aws-sdk:([a-z0-9]+):([a-z][A-Za-z0-9]*)$/.exec(rest);
  if (sdk !== null) {
    const [, service, action] = sdk as unknown as [string, string, string];
    const passRole = PASSES_ROLE[`${service}:${action}`] !== undefined ? ['iam:PassRole'] : [];
    const renamed = IAM_ACTION[`${service}:${action}`];
    if (renamed !== undefined) return { actions: [...renamed, ...passRole] };
    return {
      actions: [`${IAM_PREFIX[service] ?? service}:${action[0]!.toUpperCase()}${action.slice(1)}`, ...passRole],
    };
  }
  const key = Object.keys(SYNC_INTEGRATIONS).find((candidate) => SYNC_INTEGRATIONS[candidate]!.resource === rest);
  if (key === undefined) return undefined;
  const sync = SYNC_INTEGRATIONS[key]!;
  return {
    actions: [
      ...sync.iamActions,
      ...(sync.managedRule !== undefined ? EVENTS_RULE_ACTIONS : []),
      ...(PASSES_ROLE[key] !== undefined ? ['iam:PassRole'] : []),
    ],
    ...(sync.managedRule !== undefined ? { managedRule: sync.managedRule } : {}),
  };
}

/**
 * The roles a Task's parameters hand the service (see PASSES_ROLE): each literal ARN, or `(from <path>)` for one
 * the state reads at run time. Empty for a call that passes none, or names none in its request (ECS RunTask
 * without overrides still passes its task definition's roles).
 */
export function passedRoles(resource: string, parameters: Readonly<Record<string, unknown>>): string[] {
  const members = roleServiceOf(resource)?.members;
  if (members === undefined) return [];
  return members.flatMap((member) => {
    const path = member.split('.');
    let parent: unknown = parameters;
    for (const name of path.slice(0, -1))
      parent = typeof parent === 'object' && parent !== null ? (parent as Record<string, unknown>)[name] : undefined;
    if (typeof parent !== 'object' || parent === null) return [];
    const last = path[path.length - 1]!;
    const value = (parent as Record<string, unknown>)[last];
    if (typeof value === 'string') return [value];
    const dynamic = (parent as Record<string, unknown>)[`${last}.$`];
    return typeof dynamic === 'string' ? [`(from ${dynamic})`] : [];
  });
}

/** The service a Task resource's call hands a role to (`ecs-tasks.amazonaws.com`…); undefined if it passes none. */
export function roleReceivingService(resource: string): string | undefined {
  return roleServiceOf(resource)?.passedTo;
}

function roleServiceOf(resource: string): (typeof PASSES_ROLE)[string] | undefined {
  if (!resource.startsWith(STATES)) return undefined;
  const rest = resource.slice(STATES.length);
  const sdk = /^aws-sdk:([a-z0-9]+):([a-z][A-Za-z0-9]*)$/.exec(rest);
  const key =
    sdk !== null
      ? `${sdk[1]}:${sdk[2]}`
      : Object.keys(SYNC_INTEGRATIONS).find((candidate) => SYNC_INTEGRATIONS[candidate]!.resource === rest);
  return key !== undefined ? PASSES_ROLE[key] : undefined;
}

/** Whether an IAM action is matched by one of the allowed patterns (`athena:StartQueryExecution`, `glue:*`, `athena:Get*`); case-insensitive, as IAM is. */
export function actionAllowed(action: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      'i',
    );
    return regex.test(action);
  });
}

/**
 * The managed EventBridge rules the state machines' role gets `events:PutTargets`/`PutRule`/`DescribeRule` on:
 * those of the `.sync` integrations whose start action the stack allows (the construct grants them, so a stack
 * that allows `states:StartExecution` also lets `.sync:2` watch the child).
 */
export function allowedManagedRules(patterns: readonly string[]): string[] {
  return Object.values(SYNC_INTEGRATIONS)
    .filter((sync) => sync.managedRule !== undefined && actionAllowed(sync.iamActions[0]!, patterns))
    .map((sync) => sync.managedRule!);
}

/**
 * The IAM actions a Task resource needs that the stack's allowed actions do not cover (the managed rule's `events:`
 * actions count as allowed where the construct grants them). Undefined for resources that are not `awsSdk` steps.
 */
export function missingAwsSdkActions(resource: string, patterns: readonly string[]): string[] | undefined {
  const needs = awsSdkIamActions(resource);
  if (needs === undefined) return undefined;
  const ruleGranted = needs.managedRule !== undefined && allowedManagedRules(patterns).includes(needs.managedRule);
  return needs.actions.filter(
    (action) => !actionAllowed(action, patterns) && !(ruleGranted && action.startsWith('events:')),
  );
}
