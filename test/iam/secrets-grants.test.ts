import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import type { StackRole } from './stack-role.ts';

/**
 * Variables and Connections: both workers may read a parameter under the stack's variables path and a secret under
 * its connections path, and nothing outside them; no other role reads either. test/worker/cloud-secrets.test.ts
 * makes the reads for real against moto (recorded and checked as every call is); this also covers the refusals.
 */
let check: IamCheck;
beforeAll(async () => {
  check = new IamCheck(await readStackFacts(inject('iamStackFacts')));
});

const env = { [STACK_ENV.secretsPrefix]: 'airstep/TestStack' };
const allowed = async (role: StackRole, service: string, command: string, input: Record<string, unknown>) => {
  const recorded: RecordedCall = { role, service, command, input, env };
  return (await check.denials([recorded])).length === 0;
};
const parameter = (name: string) => ({ Name: name, WithDecryption: true });

describe('IAM: Variables and Connections', () => {
  it.each(['worker', 'fargateWorker'] as const)(
    'lets the %s read a variable under the prefix, and no other parameter',
    async (role) => {
      expect(await allowed(role, 'SSM', 'GetParameter', parameter('/airstep/TestStack/variables/bucket'))).toBe(true);
      expect(await allowed(role, 'SSM', 'GetParameter', parameter('/airstep/TestStack/other/bucket'))).toBe(false);
      expect(await allowed(role, 'SSM', 'GetParameter', parameter('/prod/db/password'))).toBe(false);
    },
  );

  it.each(['worker', 'fargateWorker'] as const)(
    'lets the %s read a connection under the prefix, and no other secret',
    async (role) => {
      expect(
        await allowed(role, 'Secrets Manager', 'GetSecretValue', {
          SecretId: 'airstep/TestStack/connections/warehouse',
        }),
      ).toBe(true);
      expect(
        await allowed(role, 'Secrets Manager', 'GetSecretValue', { SecretId: 'airstep/TestStack/variables/x' }),
      ).toBe(false);
      expect(await allowed(role, 'Secrets Manager', 'GetSecretValue', { SecretId: 'prod/rds/master' })).toBe(false);
    },
  );

  it.each(['dagSync', 'dagEvaluator', 'trigger', 'recorder', 'containerTask', 'stateMachine'] as const)(
    'gives the %s no read of either',
    async (role) => {
      expect(await allowed(role, 'SSM', 'GetParameter', parameter('/airstep/TestStack/variables/bucket'))).toBe(false);
      expect(
        await allowed(role, 'Secrets Manager', 'GetSecretValue', {
          SecretId: 'airstep/TestStack/connections/warehouse',
        }),
      ).toBe(false);
    },
  );
});
