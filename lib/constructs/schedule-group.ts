import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';

export interface ScheduleGroupProps {
  /** The schedule group's name (unique per account and region). */
  readonly name: string;
  /** The Lambda every schedule of the group invokes. */
  readonly target: lambda.IFunction;
  /** What the schedules are, for the role's description. @default 'DAG schedules' */
  readonly purpose?: string;
}

/**
 * An EventBridge Scheduler group and the role its schedules use to invoke their one target: the group DAG
 * schedules live in (dag-sync creates one or more per DAG at sync time, not in CloudFormation; they invoke the
 * trigger), and the group of runs' deadline schedules (the trigger creates one per run; they invoke the recorder).
 */
export class ScheduleGroup extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  readonly invokeRole: iam.Role;

  constructor(scope: Construct, id: string, props: ScheduleGroupProps) {
    super(scope, id);
    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: props.name });
    this.invokeRole = new iam.Role(this, 'InvokeRole', {
      // Only schedules of this group may assume the role (no confused deputy).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': this.group.attrArn },
        },
      }),
      description: `Lets Airstep ${props.purpose ?? 'DAG schedules'} invoke their target function`,
    });
    props.target.grantInvoke(this.invokeRole);
  }
}
