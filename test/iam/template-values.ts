import type { Json } from '../constructs/stack-template.ts';

/** The account and region the template is resolved in (any fixed pair: calls are normalized to it). */
export const TEMPLATE_ACCOUNT = '111122223333';
export const TEMPLATE_REGION = 'us-east-1';

/** The property that names a resource of each type, when the template sets it. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::ECS::TaskDefinition': 'Family',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
};

/**
 * Resolves the intrinsic functions of a synthesized template to the strings CloudFormation would produce, with
 * each resource's physical name being the name the template gives it or else its logical id.
 */
export class TemplateValues {
  constructor(private readonly resources: Record<string, Json>) {}

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = value[key];
      switch (key) {
        case 'Ref':
          return this.ref(argument);
        case 'Fn::GetAtt':
          return this.getAtt(...((typeof argument === 'string' ? argument.split('.') : argument) as [string, string]));
        case 'Fn::Join':
          return (this.resolve(argument[1]) as string[]).join(argument[0]);
        case 'Fn::Select':
          return (this.resolve(argument[1]) as Json[])[Number(this.resolve(argument[0]))];
        case 'Fn::Split':
          return String(this.resolve(argument[1])).split(argument[0]);
        case 'Fn::Sub':
          return this.sub(argument);
        default:
          if (key.startsWith('Fn::')) throw new TypeError(`the IAM check cannot resolve ${key}`);
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  private sub(argument: Json): string {
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Json]);
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      const [id, attribute] = name.split('.') as [string, string | undefined];
      return String(attribute === undefined ? this.ref(id) : this.getAtt(id, attribute));
    });
  }

  private name(id: string): string {
    const resource = this.resource(id);
    const property = NAME_PROPERTY[resource.Type];
    const named = property === undefined ? undefined : resource.Properties?.[property];
    return named === undefined ? id : String(this.resolve(named));
  }

  private resource(id: string): Json {
    const resource = this.resources[id];
    if (resource === undefined) throw new TypeError(`the template has no resource ${id}`);
    return resource;
  }

  private ref(id: string): string {
    if (id === 'AWS::AccountId') return TEMPLATE_ACCOUNT;
    if (id === 'AWS::Region') return TEMPLATE_REGION;
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    if (id === 'AWS::StackName') return 'AirstepStack';
    const type = this.resource(id).Type as string;
    const name = this.name(id);
    switch (type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${TEMPLATE_REGION}.amazonaws.com/${TEMPLATE_ACCOUNT}/${name}`;
      case 'AWS::SNS::Topic':
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::ECS::TaskDefinition':
        return this.getAtt(id, 'Arn');
      default:
        return name;
    }
  }

  private getAtt(id: string, attribute: string): string {
    const type = this.resource(id).Type as string;
    const name = this.name(id);
    const arn = (service: string, resource: string, region = TEMPLATE_REGION) =>
      `arn:aws:${service}:${region}:${TEMPLATE_ACCOUNT}:${resource}`;
    if (attribute === 'QueueName' || attribute === 'TopicName') return name;
    if (attribute === 'QueueUrl') return this.ref(id);
    // Other attributes (a security group's id, …) appear in no policy: a stand-in that names them is enough.
    if (attribute !== 'Arn') return `${id}.${attribute}`;
    switch (type) {
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return arn('dynamodb', `table/${name}`);
      case 'AWS::SQS::Queue':
        return arn('sqs', name);
      case 'AWS::SNS::Topic':
        return arn('sns', name);
      case 'AWS::Lambda::Function':
        return arn('lambda', `function:${name}`);
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/${name}`;
      case 'AWS::Scheduler::ScheduleGroup':
        return arn('scheduler', `schedule-group/${name}`);
      case 'AWS::ECS::Cluster':
        return arn('ecs', `cluster/${name}`);
      case 'AWS::ECS::TaskDefinition':
        return arn('ecs', `task-definition/${name}:1`);
      case 'AWS::Logs::LogGroup':
        return arn('logs', `log-group:${name}:*`);
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${name}`);
      case 'AWS::KMS::Key':
        return arn('kms', `key/${id}`);
      case 'AWS::Events::EventBus':
        return arn('events', `event-bus/${name}`);
      default:
        throw new TypeError(`the IAM check cannot make the ARN of ${id} (${type})`);
    }
  }
}
