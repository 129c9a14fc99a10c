import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import type { Json } from '../constructs/stack-template.ts';
import type { StackRole } from './stack-role.ts';
import { TEMPLATE_ACCOUNT, TEMPLATE_REGION } from './template-values.ts';

/** One AWS SDK call made by a role's code, as the recorder saw it. */
export interface RecordedCall {
  readonly role: StackRole;
  /** The SDK client's service id: `S3`, `DynamoDB`, `SFN`, … */
  readonly service: string;
  /** The command without its `Command` suffix: `GetObject`. */
  readonly command: string;
  readonly input: Json;
  /** The Airstep variables (`AIRSTEP_*`) of the process when the call was made. */
  readonly env: Readonly<Record<string, string>>;
}

/** One authorization AWS makes for a call: an action on a resource, with the condition keys the call sets. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** A multivalued key (`events:TargetArn`) takes a list. */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** Maps the names a test gave its resources to the names of the template's resources (see `aliasesOf`). */
export type Aliases = ReadonlyMap<string, string>;

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${TEMPLATE_REGION}:${TEMPLATE_ACCOUNT}:${resource}`;

/** A queue's name from its URL, whatever the endpoint (`https://sqs…/<account>/<name>`, `http://127.0.0.1:…/…`). */
export const queueNameOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

/**
 * The concrete names of a test's resources (from the Airstep variables it set) paired with those of the template
 * (the same variables in the role's template environment, resolved): `worker-tasks` → the task queue's name.
 */
export function aliasesOf(recorded: Readonly<Record<string, string>>, template: Record<string, Json>): Aliases {
  const aliases = new Map<string, string>();
  const pair = (concrete: unknown, resolved: unknown) => {
    if (typeof concrete !== 'string' || typeof resolved !== 'string' || concrete === resolved) return;
    aliases.set(concrete, resolved);
    if (/^https?:\/\//.test(concrete) && /^https?:\/\//.test(resolved))
      aliases.set(queueNameOf(concrete), queueNameOf(resolved));
  };
  for (const [name, resolved] of Object.entries(template)) {
    const concrete = recorded[name];
    if (concrete === undefined) continue;
    if (typeof resolved === 'string' && resolved.startsWith('{')) {
      const [inTest, inTemplate] = [JSON.parse(concrete), JSON.parse(resolved)] as Array<Record<string, unknown>>;
      for (const key of Object.keys(inTest!)) pair(inTest![key], inTemplate![key]);
    } else pair(concrete, resolved);
  }
  return aliases;
}

/** An ARN from an emulator (its own account and region) in the template's account and region. */
function normalizeArn(value: string, aliases: Aliases, prefixAlias?: [string, string]): string {
  let normalized = aliases.get(value) ?? value;
  normalized = normalized.replace(
    /^arn:aws:([a-z0-9-]+):[a-z0-9-]*:\d{12}:/,
    (_, service: string) =>
      `arn:aws:${service}:${service === 's3' || service === 'iam' ? '' : TEMPLATE_REGION}:${TEMPLATE_ACCOUNT}:`,
  );
  if (prefixAlias !== undefined)
    normalized = normalized.replace(
      /^(arn:aws:states:[^:]+:\d+:(?:stateMachine|execution|express):)([^:]+)/,
      (_, head: string, name: string) =>
        `${head}${name.startsWith(`${prefixAlias[0]}-`) ? `${prefixAlias[1]}-${name.slice(prefixAlias[0].length + 1)}` : name}`,
    );
  return normalized;
}

/** What IAM authorizes for one recorded call; a call this does not know fails the check (add it here). */
export function iamRequestsOf(call: RecordedCall, aliases: Aliases, prefixAlias?: [string, string]): IamRequest[] {
  const input = call.input ?? {};
  const name = (value: string) => aliases.get(value) ?? value;
  const anArn = (value: string) => normalizeArn(value, aliases, prefixAlias);
  const passRole = (roleArn: string | undefined, service: string): IamRequest[] =>
    roleArn === undefined
      ? []
      : [{ action: 'iam:PassRole', resource: anArn(roleArn), context: { 'iam:PassedToService': service } }];
  const single = (action: string, resource: string, context?: Record<string, string>): IamRequest[] => [
    { action, resource, ...(context && { context }) },
  ];
  // The test's secrets prefix (its AIRSTEP_SECRETS_PREFIX) stands for the template's.
  const testPrefix = call.env[STACK_ENV.secretsPrefix];
  const secretPath = (path: string) =>
    testPrefix !== undefined && path.startsWith(`${testPrefix}/`)
      ? `${aliases.get(testPrefix) ?? testPrefix}/${path.slice(testPrefix.length + 1)}`
      : path;
  const unknown = () => {
    throw new TypeError(
      `the IAM check does not know what ${call.service} ${call.command} needs: add it to test/iam/iam-requests.ts`,
    );
  };

  switch (call.service) {
    case 'S3': {
      const bucket = name(input.Bucket);
      const object = `arn:aws:s3:::${bucket}/${input.Key}`;
      switch (call.command) {
        case 'GetObject':
        case 'HeadObject':
          return single('s3:GetObject', object);
        case 'PutObject':
          return single('s3:PutObject', object);
        case 'DeleteObject':
          return single('s3:DeleteObject', object);
        case 'ListObjectsV2':
          return single('s3:ListBucket', `arn:aws:s3:::${bucket}`, input.Prefix ? { 's3:prefix': input.Prefix } : {});
        case 'CopyObject': {
          const source = decodeURIComponent(String(input.CopySource).replace(/^\//, ''));
          return [...single('s3:PutObject', object), ...single('s3:GetObject', `arn:aws:s3:::${source}`)];
        }
        default:
          return unknown();
      }
    }
    case 'DynamoDB': {
      if (call.command === 'BatchWriteItem' || call.command === 'BatchGetItem')
        return Object.keys(input.RequestItems).map((table) => ({
          action: `dynamodb:${call.command}`,
          resource: arn('dynamodb', `table/${name(table)}`),
        }));
      // A transaction is authorized action by action, each on its own table (there is no TransactWriteItems action).
      if (call.command === 'TransactWriteItems')
        return (input.TransactItems as Array<Record<string, { TableName: string }>>).map((entry) => {
          const [kind, action] = Object.entries(entry)[0]!;
          const actions: Record<string, string> = {
            ConditionCheck: 'ConditionCheckItem',
            Put: 'PutItem',
            Update: 'UpdateItem',
            Delete: 'DeleteItem',
          };
          return { action: `dynamodb:${actions[kind]}`, resource: arn('dynamodb', `table/${name(action.TableName)}`) };
        });
      const known = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'DescribeTable'];
      if (!known.includes(call.command)) return unknown();
      const table = arn('dynamodb', `table/${name(input.TableName)}`);
      return single(`dynamodb:${call.command}`, input.IndexName ? `${table}/index/${input.IndexName}` : table);
    }
    case 'SFN': {
      const machine = (machineName: string) => arn('states', `stateMachine:${machineName}`);
      const publishes = (resource: string) =>
        input.publish ? single('states:PublishStateMachineVersion', resource) : [];
      switch (call.command) {
        case 'StartExecution':
          return single('states:StartExecution', anArn(input.stateMachineArn));
        case 'DescribeExecution':
        case 'GetExecutionHistory':
        case 'StopExecution':
        case 'RedriveExecution':
          return single(`states:${call.command}`, anArn(input.executionArn));
        case 'SendTaskSuccess':
        case 'SendTaskFailure':
        case 'SendTaskHeartbeat':
          // Task tokens are not resources: these actions take none.
          return single(`states:${call.command}`, '*');
        case 'CreateStateMachine': {
          const created = anArn(machine(input.name));
          return [
            ...single('states:CreateStateMachine', created),
            ...publishes(created),
            ...passRole(input.roleArn, 'states.amazonaws.com'),
          ];
        }
        case 'UpdateStateMachine': {
          const updated = anArn(input.stateMachineArn);
          return [
            ...single('states:UpdateStateMachine', updated),
            ...publishes(updated),
            ...passRole(input.roleArn, 'states.amazonaws.com'),
          ];
        }
        case 'DescribeStateMachine':
        case 'DeleteStateMachine':
          return single(`states:${call.command}`, anArn(input.stateMachineArn));
        case 'CreateStateMachineAlias': {
          const version = anArn(input.routingConfiguration[0].stateMachineVersionArn);
          return single('states:CreateStateMachineAlias', `${version.replace(/:\d+$/, '')}:${input.name}`);
        }
        case 'UpdateStateMachineAlias':
          return single('states:UpdateStateMachineAlias', anArn(input.stateMachineAliasArn));
        default:
          return unknown();
      }
    }
    case 'Scheduler': {
      const schedule = arn('scheduler', `schedule/${name(input.GroupName ?? 'default')}/${input.Name}`);
      switch (call.command) {
        case 'CreateSchedule':
        case 'UpdateSchedule':
          return [
            ...single(`scheduler:${call.command}`, schedule),
            ...passRole(input.Target?.RoleArn, 'scheduler.amazonaws.com'),
          ];
        case 'GetSchedule':
        case 'DeleteSchedule':
          return single(`scheduler:${call.command}`, schedule);
        case 'ListSchedules':
          // ListSchedules takes no resource.
          return single('scheduler:ListSchedules', '*');
        default:
          return unknown();
      }
    }
    case 'SQS': {
      const batch: Record<string, string> = {
        SendMessageBatch: 'SendMessage',
        DeleteMessageBatch: 'DeleteMessage',
        ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
      };
      const known = ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'GetQueueAttributes'];
      const action = batch[call.command] ?? call.command;
      if (call.command === 'GetQueueUrl') return single('sqs:GetQueueUrl', arn('sqs', name(input.QueueName)));
      if (!known.includes(action)) return unknown();
      return single(`sqs:${action}`, arn('sqs', name(queueNameOf(name(input.QueueUrl)))));
    }
    case 'SNS':
      if (call.command !== 'Publish') return unknown();
      return single('sns:Publish', anArn(input.TopicArn));
    case 'ECS': {
      if (call.command === 'RegisterTaskDefinition')
        return [
          // RegisterTaskDefinition takes no resource.
          ...single('ecs:RegisterTaskDefinition', '*'),
          ...passRole(input.taskRoleArn, 'ecs-tasks.amazonaws.com'),
          ...passRole(input.executionRoleArn, 'ecs-tasks.amazonaws.com'),
        ];
      if (call.command !== 'RunTask') return unknown();
      const definition = String(input.taskDefinition);
      const family = definition.startsWith('arn:') ? anArn(definition) : arn('ecs', `task-definition/${definition}`);
      const cluster = anArn(name(input.cluster ?? 'default'));
      return [
        ...single('ecs:RunTask', /:\d+$/.test(family) ? family : `${family}:1`, {
          'ecs:cluster': cluster.startsWith('arn:') ? cluster : arn('ecs', `cluster/${cluster}`),
        }),
        ...passRole(input.overrides?.taskRoleArn, 'ecs-tasks.amazonaws.com'),
        ...passRole(input.overrides?.executionRoleArn, 'ecs-tasks.amazonaws.com'),
      ];
    }
    case 'Lambda': {
      if (call.command !== 'Invoke') return unknown();
      const fn = String(input.FunctionName);
      return single('lambda:InvokeFunction', fn.startsWith('arn:') ? anArn(fn) : arn('lambda', `function:${name(fn)}`));
    }
    case 'EventBridge': {
      // Rules on the default bus (watcher rules): their names start with the stack's prefix, mapped to the template's.
      const rule = (ruleName: string) =>
        arn(
          'events',
          `rule/${prefixAlias !== undefined && ruleName.startsWith(`${prefixAlias[0]}-`) ? `${prefixAlias[1]}-${ruleName.slice(prefixAlias[0].length + 1)}` : ruleName}`,
        );
      switch (call.command) {
        case 'PutRule':
        case 'DeleteRule':
        case 'DescribeRule':
          return single(`events:${call.command}`, rule(String(input.Name)));
        case 'RemoveTargets':
          return single('events:RemoveTargets', rule(String(input.Rule)));
        case 'PutTargets':
          // `events:TargetArn` is multivalued: every target's ARN in one authorization.
          return [
            {
              action: 'events:PutTargets',
              resource: rule(String(input.Rule)),
              context: { 'events:TargetArn': (input.Targets as Array<{ Arn: string }>).map((t) => anArn(t.Arn)) },
            },
          ];
        case 'ListRules':
          return single('events:ListRules', '*');
        case 'PutEvents':
          break;
        default:
          return unknown();
      }
      return (input.Entries as Array<{ EventBusName?: string }>).map((entry) => {
        const bus = entry.EventBusName ?? 'default';
        return {
          action: 'events:PutEvents',
          resource: bus.startsWith('arn:') ? anArn(bus) : arn('events', `event-bus/${bus}`),
        };
      });
    }
    case 'CloudWatch': {
      // Alarm names start with the stack's name prefix: the test's prefix maps to the template's.
      const alarm = (alarmName: string) =>
        arn(
          'cloudwatch',
          `alarm:${prefixAlias !== undefined && alarmName.startsWith(`${prefixAlias[0]}-`) ? `${prefixAlias[1]}-${alarmName.slice(prefixAlias[0].length + 1)}` : alarmName}`,
        );
      switch (call.command) {
        case 'PutMetricData':
          // PutMetricData takes no resource; the namespace is its condition key.
          return single('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': String(input.Namespace) });
        case 'PutMetricAlarm':
          return single('cloudwatch:PutMetricAlarm', alarm(String(input.AlarmName)));
        case 'DeleteAlarms':
          return (input.AlarmNames as string[]).map((alarmName) => ({
            action: 'cloudwatch:DeleteAlarms',
            resource: alarm(alarmName),
          }));
        default:
          return unknown();
      }
    }
    case 'SSM': {
      if (call.command !== 'GetParameter') return unknown();
      // Parameter names are absolute paths (`/airstep/<stack>/variables/x`); the ARN drops the leading slash.
      const parameter = secretPath(String(input.Name).replace(/^\//, ''));
      return single('ssm:GetParameter', arn('ssm', `parameter/${parameter}`));
    }
    case 'Secrets Manager': {
      if (call.command !== 'GetSecretValue') return unknown();
      const id = String(input.SecretId);
      // A secret named by its name is authorized on its ARN, which ends in `-` and six random characters.
      const secret = id.startsWith('arn:') ? anArn(id) : arn('secretsmanager', `secret:${secretPath(id)}-AbCdEf`);
      return single('secretsmanager:GetSecretValue', secret);
    }
    case 'STS':
      if (call.command !== 'AssumeRole') return unknown();
      return single('sts:AssumeRole', anArn(input.RoleArn));
    default:
      return unknown();
  }
}
