import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ASSET_EVENT_DETAIL_TYPE, ASSET_EVENT_SOURCE } from '../compiler/outlet-events-state.ts';

export interface AssetEventsProps {
  /** The stack's trigger function: it records each asset event and starts the runs it makes due. */
  readonly trigger: lambda.IFunction;
  /** The role DAG state machines assume: their outlet states put asset events on the bus. */
  readonly stateMachineRole: iam.IRole;
  /** Where an event the trigger could not take after its retries goes (the stack's failed-events queue). */
  readonly failedEvents: sqs.IQueue;
  /** The bus's name. */
  readonly busName: string;
}

/**
 * The stack's asset events: a bus of their own (so the state machines' role may put events there and nowhere
 * else), and a rule handing each event's detail — the trigger's `asset` event, as an outlet state writes it — to
 * the trigger function, retried, then dead-lettered to the failed-events queue with the alarm on it. The trigger
 * records events in the runs table and books in the dags table with the grants it already has.
 */
export class AssetEvents extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: AssetEventsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.busName,
      description: 'Airstep asset events: tasks with outlets put one per asset when they succeed',
    });
    new events.Rule(this, 'ToTrigger', {
      eventBus: this.bus,
      description: 'Airstep asset events to the trigger (records them, starts asset-triggered runs)',
      eventPattern: { source: [ASSET_EVENT_SOURCE], detailType: [ASSET_EVENT_DETAIL_TYPE] },
      targets: [
        new targets.LambdaFunction(props.trigger, {
          event: events.RuleTargetInput.fromEventPath('$.detail'),
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: props.failedEvents,
        }),
      ],
    });
    props.stateMachineRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
    );
  }
}
