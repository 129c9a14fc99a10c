import { App, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { Airstep } from '../lib/constructs/index.ts';

/** The stack `npx cdk deploy` creates: one Airstep, checked by cdk-nag's AWS Solutions rules. */
export class AirstepStack extends Stack {
  readonly airstep: Airstep;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.airstep = new Airstep(this, 'Airstep', {
      dataBuckets: ['airstep-raw', 'airstep-processed', 'airstep-analytics'],
    });
    // CDK puts the custom resource that configures S3 event notifications at the stack root, outside Airstep.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's bucket-notifications custom resource writes its logs with the AWS managed basic execution policy",
    });
  }
}

export function buildApp(app = new App()): { app: App; stack: AirstepStack } {
  const stack = new AirstepStack(app, 'AirstepStack');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

if (!process.env.AIRSTEP_NO_SYNTH) buildApp().app.synth();
