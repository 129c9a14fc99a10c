import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { describe, expect, it } from 'vitest';
import { Airstep, type AirstepProps } from '../../lib/constructs/airstep.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { CDK_CONTEXT, StackTemplate, synthOutdir } from './stack-template.ts';

/**
 * Recorded asset events expire: the runs table has DynamoDB's TTL on `expiresAt`, and the trigger (which writes
 * it) is told the retention, `assetEventRetention` in whole days (default 90).
 */
const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/airstep-worker:1');
function synthesize(props: AirstepProps = {}) {
  const app = new App({ outdir: synthOutdir(), context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Retention', { env: { account: '111122223333', region: 'eu-west-1' } });
  const airstep = new Airstep(stack, 'Airstep', { fargateWorkerImage: IMAGE, ...props });
  return { airstep, t: new StackTemplate(stack, app) };
}

describe('Airstep construct: asset event retention', () => {
  it("puts TTL on the runs table only, and tells the trigger the retention (default 90 days, or the prop's)", () => {
    const { airstep, t } = synthesize({ assetEventRetention: Duration.days(7) });
    const runs = t.resource(airstep.tables.tables.runs).Properties;
    expect(runs.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    for (const name of ['dags', 'taskInstances', 'importErrors', 'poolSlots', 'queuedRuns'] as const)
      expect(t.resource(airstep.tables.tables[name]).Properties.TimeToLiveSpecification, name).toBeUndefined();
    const fns = airstep.functions.functions;
    expect(t.resource(fns.trigger).Properties.Environment.Variables[STACK_ENV.assetEventRetentionDays]).toBe('7');
    expect(t.resource(fns.worker).Properties.Environment.Variables[STACK_ENV.assetEventRetentionDays]).toBeUndefined();
    const defaults = synthesize();
    expect(
      defaults.t.resource(defaults.airstep.functions.functions.trigger).Properties.Environment.Variables[
        STACK_ENV.assetEventRetentionDays
      ],
    ).toBe('90');
  });

  it('refuses a retention that is not whole days, or under one day, naming the prop', () => {
    const airstep = (props: AirstepProps) => () =>
      new Airstep(new Stack(new App(), 'Refused'), 'Airstep', { fargateWorkerImage: IMAGE, ...props });
    expect(airstep({ assetEventRetention: Duration.hours(36) })).toThrow(
      /^assetEventRetention must be whole days, at least 1: got 1 day 12 hours/,
    );
    expect(airstep({ assetEventRetention: Duration.hours(12) })).toThrow('assetEventRetention must be whole days');
  });
});
