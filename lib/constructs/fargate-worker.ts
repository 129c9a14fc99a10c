import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface FargateWorkerProps {
  /** Bring your own VPC; by default a minimal one with public subnets and no NAT gateway. */
  readonly vpc?: ec2.IVpc;
  /** The worker image. @default - built from `lambdas/fargate-worker/Dockerfile` at deploy time */
  readonly image?: ecs.ContainerImage;
  /** @default 512 */
  readonly cpu?: number;
  /** @default 1024 */
  readonly memoryMiB?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * ECS on Fargate for tasks with `compute: 'fargate'`: a cluster, the worker task definition (the same task runner
 * as the Lambda worker, handed the task token by `ecs:runTask.waitForTaskToken`), and a security group with no
 * inbound rules. Without a VPC of yours, a minimal one with public subnets and no NAT (tasks get a public IP to
 * reach AWS APIs).
 */
export class FargateWorker extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  /** The worker container; the construct sets its AIRSTEP_* environment. */
  readonly container: ecs.ContainerDefinition;
  readonly vpc: ec2.IVpc;
  /** Whether tasks need a public IP (no NAT in the VPC Airstep made). */
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: FargateWorkerProps = {}) {
    super(scope, id);
    this.assignPublicIp = props.vpc === undefined;
    this.vpc =
      props.vpc ??
      new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
        flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
      });
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
    this.container = this.taskDefinition.addContainer('worker', {
      image:
        props.image ??
        ecs.ContainerImage.fromAsset(ROOT, {
          file: 'lambdas/fargate-worker/Dockerfile',
          exclude: ['node_modules', '.venv', 'cdk.out', '.airstep', 'out', '.git', 'test', 'bench'],
        }),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'worker',
        logGroup: new logs.LogGroup(this, 'WorkerLogs', {
          retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        }),
      }),
    });
  }
}
