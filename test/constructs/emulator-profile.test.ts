import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Airstep, EMULATOR_PROFILES, type EmulatorProfile } from '../../lib/constructs/airstep.ts';
import { AirstepPropsError } from '../../lib/constructs/airstep-props-error.ts';
import { buildApp, EMULATOR_PROFILE_CONTEXT } from '../../lib/constructs/airstep-stack.ts';
import { CDK_CONTEXT, type Json, synthOutdir } from './stack-template.ts';

/**
 * The MiniStack profile (`-c airstep:emulatorProfile=ministack`, what `npm run stack:local` deploys) against the
 * template for AWS: the app in cdk.json synthesized both ways, cdk-nag on (synthesis fails on a finding), Lambda
 * bundling skipped (airstep.test.ts checks the bundles). Exactly the differences the profile lists may appear.
 */
function synthesize(profile?: EmulatorProfile): Record<string, Json> {
  const context = {
    ...CDK_CONTEXT,
    'aws:cdk:bundling-stacks': [],
    ...(profile !== undefined ? { [EMULATOR_PROFILE_CONTEXT]: profile } : {}),
  };
  const { app, stack } = buildApp({ outdir: synthOutdir(), context });
  const resources = app.synth().getStackByName(stack.stackName).template.Resources as Record<string, Json>;
  // CDK's own analytics resource lists the constructs used; it says nothing about what is deployed.
  delete resources.CDKMetadata;
  return resources;
}

describe('Construct: Airstep — the MiniStack profile', () => {
  let aws: Record<string, Json>;
  let ministack: Record<string, Json>;
  beforeAll(() => {
    aws = synthesize();
    ministack = synthesize('ministack');
  }, 240_000);

  it('lists a reason for each difference it makes', () => {
    expect(Object.keys(EMULATOR_PROFILES.ministack).sort()).toEqual([
      'awsSdkLayer',
      'fargateWorkerImage',
      'flowLogs',
      'tryLogQuery',
    ]);
  });

  it('drops the VPC flow log and the saved query (MiniStack has neither type) and adds only the AWS SDK layer', () => {
    const typesOf = (ids: string[], from: Record<string, Json>) => ids.map((id) => from[id].Type).sort();
    const onlyAws = Object.keys(aws).filter((id) => !(id in ministack));
    const onlyMiniStack = Object.keys(ministack).filter((id) => !(id in aws));
    expect(typesOf(onlyAws, aws)).toEqual([
      'AWS::EC2::FlowLog',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
      'AWS::Logs::QueryDefinition',
    ]);
    // The flow log, its log group, and the role (with its policy) it delivers to the log group with; the query.
    expect(onlyAws.filter((id) => !/FlowLog|Vpcrejected|TryLogQuery/i.test(id))).toEqual([]);
    expect(typesOf(onlyMiniStack, ministack)).toEqual(['AWS::Lambda::LayerVersion']);
  });

  it('gives the Airstep functions the layer, and changes nothing else but the worker image', () => {
    const [layerId] = Object.keys(ministack).filter((id) => ministack[id].Type === 'AWS::Lambda::LayerVersion');
    const withLayer = Object.keys(ministack).filter((id) => ministack[id].Properties?.Layers !== undefined);
    expect(withLayer.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AirstepFunctionsDagEvaluator',
      'AirstepFunctionsDagSync',
      'AirstepFunctionsRecorder',
      'AirstepFunctionsTrigger',
      'AirstepFunctionsWorker',
    ]);
    for (const id of withLayer) expect(ministack[id].Properties.Layers).toEqual([{ Ref: layerId }]);

    const [taskDefinition] = Object.keys(aws).filter(
      (id) => aws[id].Type === 'AWS::ECS::TaskDefinition' && id.includes('WorkerTask'),
    );
    expect(ministack[taskDefinition!].Properties.ContainerDefinitions[0].Image).toBe('airstep-fargate-worker:emulator');
    expect(JSON.stringify(aws[taskDefinition!].Properties.ContainerDefinitions[0].Image)).toContain('cdk-hnb659fds');

    // The image built from the Dockerfile is pulled from CDK's asset repository: the execution role may pull from it.
    const pullsAssetImage = (statement: Json) => [statement.Action].flat().some((action) => action.startsWith('ecr:'));
    const [executionPolicy] = Object.keys(aws).filter((id) => id.includes('WorkerTaskExecutionRoleDefaultPolicy'));
    expect(aws[executionPolicy!].Properties.PolicyDocument.Statement.some(pullsAssetImage)).toBe(true);
    expect(ministack[executionPolicy!].Properties.PolicyDocument.Statement.some(pullsAssetImage)).toBe(false);

    const strip = (id: string, resource: Json) => {
      const copy = structuredClone(resource);
      if (withLayer.includes(id)) delete copy.Properties.Layers;
      if (id === taskDefinition) delete copy.Properties.ContainerDefinitions[0].Image;
      if (id === executionPolicy)
        copy.Properties.PolicyDocument.Statement = copy.Properties.PolicyDocument.Statement.filter(
          (statement: Json) => !pullsAssetImage(statement),
        );
      return copy;
    };
    const shared = Object.keys(aws).filter((id) => id in ministack);
    expect(shared.length).toBeGreaterThan(80);
    for (const id of shared) expect([id, strip(id, ministack[id])]).toEqual([id, strip(id, aws[id])]);
  });

  it('refuses a profile it does not know, naming the prop', () => {
    const stack = new Stack(new App({ outdir: synthOutdir() }), 'Other');
    let attempts = 0;
    const attempt = () =>
      new Airstep(stack, `Airstep${attempts++}`, { emulatorProfile: 'localstack' as EmulatorProfile });
    expect(attempt).toThrow(AirstepPropsError);
    expect(attempt).toThrow("emulatorProfile 'localstack' is not one of: ministack");
  });
});
