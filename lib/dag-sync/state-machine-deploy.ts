import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  type LoggingConfiguration,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import type { DagSyncDeps } from './dag-sync.ts';

/** What deploying a state machine uses of dag-sync's dependencies. */
export type StateMachineDeps = Pick<DagSyncDeps, 'sfn' | 'stateMachineRoleArn' | 'stateMachineLogs'>;

/** A new published version of the state machine behind its `live` alias (created on first sync). */
export async function deployStateMachine(
  name: string,
  definition: string,
  version: string,
  deps: StateMachineDeps,
): Promise<{ stateMachineArn: string; aliasArn: string; versionArn?: string }> {
  const arn = await existingStateMachine(name, deps);
  let stateMachineArn: string;
  let versionArn: string | undefined;
  if (arn === undefined) {
    const created = await deps.sfn.send(
      new CreateStateMachineCommand({
        name,
        definition,
        roleArn: deps.stateMachineRoleArn,
        publish: true,
        versionDescription: version,
        tracingConfiguration: { enabled: true },
        ...loggingOf(deps),
      }),
    );
    stateMachineArn = created.stateMachineArn!;
    versionArn = created.stateMachineVersionArn;
  } else {
    const updated = await deps.sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition,
        roleArn: deps.stateMachineRoleArn,
        publish: true,
        versionDescription: version,
        ...loggingOf(deps),
      }),
    );
    stateMachineArn = arn;
    versionArn = updated.stateMachineVersionArn;
  }
  // An emulator without versions returns none: executions then start on the state machine itself.
  if (versionArn === undefined) return { stateMachineArn, aliasArn: stateMachineArn };
  const aliasArn = `${stateMachineArn}:live`;
  const routing = [{ stateMachineVersionArn: versionArn, weight: 100 }];
  try {
    await deps.sfn.send(
      new UpdateStateMachineAliasCommand({ stateMachineAliasArn: aliasArn, routingConfiguration: routing }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFound') throw error;
    await deps.sfn.send(new CreateStateMachineAliasCommand({ name: 'live', routingConfiguration: routing }));
  }
  return { stateMachineArn, aliasArn, versionArn };
}

/**
 * Execution logs in CloudWatch Logs, without execution data (payloads hold task results, which may be
 * sensitive; the recorder's records and XCom hold them instead). The log group ARN must end in `:*`.
 */
function loggingOf(deps: StateMachineDeps): { loggingConfiguration?: LoggingConfiguration } {
  if (deps.stateMachineLogs === undefined) return {};
  const arn = deps.stateMachineLogs.logGroupArn;
  return {
    loggingConfiguration: {
      level: deps.stateMachineLogs.level,
      includeExecutionData: false,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: arn.endsWith(':*') ? arn : `${arn}:*` } }],
    },
  };
}

async function existingStateMachine(name: string, deps: StateMachineDeps): Promise<string | undefined> {
  const region = await deps.sfn.config.region();
  const roleAccount = deps.stateMachineRoleArn.split(':')[4];
  const arn = `arn:aws:states:${region}:${roleAccount}:stateMachine:${name}`;
  try {
    await deps.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    return arn;
  } catch (error) {
    if ((error as Error).name === 'StateMachineDoesNotExist') return undefined;
    throw error;
  }
}
