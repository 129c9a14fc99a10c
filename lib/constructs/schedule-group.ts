import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';

export interface ScheduleGroupProps {
  readonly name: string;
  /** The trigger Lambda every DAG schedule invokes. */
  readonly trigger: lambda.IFunction;
}

/**
 * The EventBridge Scheduler group DAG schedules live in (dag-sync creates one or more per DAG at sync time, not
 * in CloudFormation) and the role those schedules use to invoke the trigger Lambda.
 */
export class ScheduleGroup extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  readonly invokeRole: iam.Role;

  constructor(scope: Construct, id: string, props: ScheduleGroupProps) {
    super(scope, id);
    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: props.name });
    this.invokeRole = new iam.Role(this, 'InvokeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets Airstep DAG schedules invoke the trigger function',
    });
    props.trigger.grantInvoke(this.invokeRole);
  }
}
