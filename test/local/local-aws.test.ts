import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import nativeSteps from '../../dags/examples/native_steps.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { awsSdkImportsOf } from '../../lib/local/aws-sdk-imports.ts';
import { configuredAws } from '../../lib/local/configured-aws.ts';
import { awsUseOf, wantsEmbeddedAws } from '../../lib/local/local-aws.ts';

const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

async function emptyHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'airstep-home-'));
  homes.push(home);
  return home;
}

describe('when the local engine starts the embedded AWS emulator', () => {
  it('finds the AWS SDK packages a DAG file imports, through the project modules it imports too', async () => {
    expect(await awsSdkImportsOf('test/fixtures/aws-imports/uses-helper.ts')).toEqual(['@aws-sdk/client-s3']);
    expect(await awsSdkImportsOf('test/fixtures/aws-imports/no-aws.ts')).toEqual([]);
    expect(await awsSdkImportsOf('dags/examples/weather_etl.ts')).toEqual(['@aws-sdk/client-s3']);
    // A file that cannot be read is no answer here: loading it reports the problem.
    expect(await awsSdkImportsOf('test/fixtures/aws-imports/missing.ts')).toEqual([]);
  });

  it('counts native steps as AWS use', () => {
    const compiled = compileDag(nativeSteps, { file: 'dags/examples/native_steps.ts' });
    expect(awsUseOf([], compiled.ir.tasks)).toEqual(['native steps emit_event, list_exports, notify']);
    expect(awsUseOf(['@aws-sdk/client-s3'])).toEqual(['@aws-sdk/client-s3']);
  });

  it('sees AWS configured by an endpoint, credentials, a profile, a role or a shared config file', async () => {
    const home = await emptyHome();
    expect(configuredAws({}, home)).toBeUndefined();
    expect(configuredAws({ AWS_ENDPOINT_URL: 'http://localhost:4566' }, home)).toBe('AWS_ENDPOINT_URL');
    expect(configuredAws({ AWS_ACCESS_KEY_ID: 'AKIA…' }, home)).toBe('AWS_ACCESS_KEY_ID');
    expect(configuredAws({ AWS_PROFILE: 'dev' }, home)).toBe('AWS_PROFILE');
    expect(configuredAws({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' }, home)).toBe(
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    );
    expect(configuredAws({ AWS_PROFILE: '' }, home)).toBeUndefined();

    await mkdir(join(home, '.aws'));
    await writeFile(join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\n');
    expect(configuredAws({}, home)).toBe(join(home, '.aws', 'config'));
    const elsewhere = join(home, 'creds');
    await writeFile(elsewhere, '[default]\n');
    expect(configuredAws({ AWS_SHARED_CREDENTIALS_FILE: elsewhere }, await emptyHome())).toBe(elsewhere);
  });

  it('starts it only when the DAG uses AWS and none is configured, unless told', () => {
    expect(wantsEmbeddedAws(undefined, ['@aws-sdk/client-s3'], undefined)).toBe(true);
    expect(wantsEmbeddedAws(undefined, ['@aws-sdk/client-s3'], 'AWS_PROFILE')).toBe(false);
    expect(wantsEmbeddedAws(undefined, [], undefined)).toBe(false);
    expect(wantsEmbeddedAws(true, [], 'AWS_PROFILE')).toBe(true);
    expect(wantsEmbeddedAws(false, ['@aws-sdk/client-s3'], undefined)).toBe(false);
  });
});
