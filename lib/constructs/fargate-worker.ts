import { IgnoreMode, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AirstepPropsError } from './airstep-props-error.ts';
import { PACKAGE_ROOT } from './package-root.ts';

const ROOT = PACKAGE_ROOT;

export interface FargateWorkerProps {
  /** Bring your own VPC. @default - a minimal VPC: two public subnets, no NAT gateway */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets Fargate tasks run in; tasks get a public IP when these are public.
   * @default - the public subnets of the VPC Airstep makes, or the private subnets (with egress) of yours
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * The worker image (ARM64). `ContainerImage.fromAsset` stages the build context at synth time without Docker;
   * Docker builds it at `cdk deploy`. Pass `ContainerImage.fromRegistry(uri)` to deploy without Docker.
   * @default - built from `lambdas/fargate-worker/Dockerfile` at deploy time
   */
  readonly image?: ecs.ContainerImage;
  /** Task CPU units. @default 512 */
  readonly cpu?: number;
  /** Task memory in MiB. @default 1024 */
  readonly memoryMiB?: number;
  /** Days worker and VPC flow logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Rejected-traffic flow logs for the VPC Airstep makes (off only in the MiniStack profile). @default true */
  readonly flowLogs?: boolean;
}

/** The Docker build context: only what the Dockerfile copies, so editing docs or tests never rebuilds the image. */
const IMAGE_CONTEXT = ['*', '!package.json', '!package-lock.json', '!lib', '!lambdas'];

/**
 * ECS on Fargate for tasks with `compute: 'fargate'`: a cluster, the worker task definition (the same task runner
 * as the Lambda worker, handed the task token by `ecs:runTask.waitForTaskToken`), and a security group with no
 * inbound rules. Without a VPC of yours, a minimal one with public subnets and no NAT (tasks get a public IP to
 * reach AWS APIs), so an idle Airstep costs nothing.
 */
export class FargateWorker extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  /** The worker container; the construct sets its AIRSTEP_* environment. */
  readonly container: ecs.ContainerDefinition;
  readonly vpc: ec2.IVpc;
  /** The subnets tasks run in. */
  readonly subnetIds: readonly string[];
  /** Whether tasks need a public IP (they run in public subnets). */
  readonly assignPublicIp: boolean;
  /**
   * For `container` tasks (an image of the DAG's own, whose task definition dag-sync registers): the role the
   * container runs as (the construct lets it answer its task token), the role ECS pulls the image and writes the
   * logs with, and the log group.
   */
  readonly containerTaskRole: iam.Role;
  readonly containerExecutionRole: iam.Role;
  readonly containerLogs: logs.LogGroup;
  /** The Fargate worker's log group (awslogs driver): its tries' lines, tagged as the Lambda worker's are. */
  readonly workerLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FargateWorkerProps = {}) {
    super(scope, id);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.vpc =
      props.vpc ??
      new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
        flowLogs:
          props.flowLogs === false
            ? {}
            : {
                rejected: {
                  trafficType: ec2.FlowLogTrafficType.REJECT,
                  destination: ec2.FlowLogDestination.toCloudWatchLogs(
                    new logs.LogGroup(this, 'FlowLogs', { retention }),
                  ),
                },
              },
      });
    const subnets = this.vpc.selectSubnets(
      props.subnets ?? (props.vpc === undefined ? { subnetType: ec2.SubnetType.PUBLIC } : {}),
    );
    if (subnets.subnetIds.length === 0)
      throw new AirstepPropsError('subnets', 'the VPC has no subnets for Fargate tasks: pass `subnets`');
    this.subnetIds = subnets.subnetIds;
    this.assignPublicIp = subnets.hasPublic;
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Airstep Fargate workers: outbound only',
      allowAllOutbound: true,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryMiB ?? 1024,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const ecsTasks = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
    this.containerTaskRole = new iam.Role(this, 'ContainerTaskRole', {
      assumedBy: ecsTasks,
      description: 'Airstep container tasks: the role their images run as',
    });
    this.containerExecutionRole = new iam.Role(this, 'ContainerExecutionRole', {
      assumedBy: ecsTasks,
      description: 'Airstep container tasks: pulls their images, writes their logs',
    });
    this.containerLogs = new logs.LogGroup(this, 'ContainerLogs', { retention });
    this.containerLogs.grantWrite(this.containerExecutionRole);
    // Images from this account's private ECR repositories (public images need nothing).
    const { partition, region, account } = Stack.of(this);
    this.containerExecutionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: [`arn:${partition}:ecr:${region}:${account}:repository/*`],
      }),
    );
    // GetAuthorizationToken supports no resource-level permissions.
    this.containerExecutionRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    this.workerLogs = new logs.LogGroup(this, 'WorkerLogs', { retention });
    this.container = this.taskDefinition.addContainer('worker', {
      image:
        props.image ??
        ecs.ContainerImage.fromAsset(ROOT, {
          file: 'lambdas/fargate-worker/Dockerfile',
          // The task definition is ARM64: build an ARM64 image on any machine.
          platform: Platform.LINUX_ARM64,
          ignoreMode: IgnoreMode.DOCKER,
          exclude: IMAGE_CONTEXT,
        }),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'worker',
        logGroup: this.workerLogs,
      }),
    });
  }
}
