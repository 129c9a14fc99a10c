import { describe, expect, it } from 'vitest';
import { executionConsoleUrl, withConsoleUrl } from '../../lib/cli/console-url.ts';

const arn = (partition: string, region: string) =>
  `arn:${partition}:states:${region}:111122223333:execution:airstep-etl:manual__2026-11-22T00_00_00_00_00`;

describe('executionConsoleUrl', () => {
  it('links the execution’s page in its own region, from the ARN alone', () => {
    expect(executionConsoleUrl(arn('aws', 'eu-west-1'))).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn('aws', 'eu-west-1')}`,
    );
  });

  it('uses the console of the ARN’s partition (China, GovCloud)', () => {
    expect(executionConsoleUrl(arn('aws-cn', 'cn-north-1'))).toBe(
      `https://console.amazonaws.cn/states/home?region=cn-north-1#/v2/executions/details/${arn('aws-cn', 'cn-north-1')}`,
    );
    expect(executionConsoleUrl(arn('aws-us-gov', 'us-gov-west-1'))).toBe(
      `https://console.amazonaws-us-gov.com/states/home?region=us-gov-west-1#/v2/executions/details/${arn('aws-us-gov', 'us-gov-west-1')}`,
    );
  });

  it('gives the AWS form for an emulator’s ARN (its account and region), and nothing for what is not an execution', () => {
    const emulated = 'arn:aws:states:us-east-1:000000000000:execution:airstep-etl:manual__x';
    expect(executionConsoleUrl(emulated)).toBe(
      `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${emulated}`,
    );
    expect(executionConsoleUrl('arn:aws:states:us-east-1:000000000000:stateMachine:airstep-etl')).toBeUndefined();
    expect(executionConsoleUrl('manual__x')).toBeUndefined();
  });

  it('adds consoleUrl to a run that has an execution, and nothing to one that has none yet (queued)', () => {
    const started = { runId: 'r', executionArn: arn('aws', 'us-east-2') };
    expect(withConsoleUrl(started)).toEqual({ ...started, consoleUrl: executionConsoleUrl(started.executionArn) });
    expect(withConsoleUrl({ runId: 'q', state: 'queued' })).toEqual({ runId: 'q', state: 'queued' });
  });
});
