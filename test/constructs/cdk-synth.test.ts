import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type Json, synthOutdir } from './stack-template.ts';

describe('cdk synth (the pinned CLI)', () => {
  it('synthesizes the app in cdk.json into a template, with cdk-nag and template validation passing', async () => {
    const out = synthOutdir();
    // The CLI pinned in package.json (aws-cdk@3 cannot read aws-cdk-lib 2 assemblies), offline and quiet.
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['node_modules/aws-cdk/bin/cdk', 'synth', '--quiet', '--output', out],
      {
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
        timeout: 120_000,
      },
    );
    expect(stderr).not.toMatch(/^(ERROR|WARNING) /m);
    const template = JSON.parse(readFileSync(join(out, 'AirstepStack.template.json'), 'utf8'));
    const types = new Set(Object.values(template.Resources as Record<string, Json>).map((resource) => resource.Type));
    for (const type of ['AWS::S3::Bucket', 'AWS::Scheduler::ScheduleGroup', 'AWS::ECS::TaskDefinition']) {
      expect(types).toContain(type);
    }
    const report = join(out, 'validation-report.json');
    if (existsSync(report)) {
      const plugins = JSON.parse(readFileSync(report, 'utf8')).pluginReports as Json[];
      expect(plugins.flatMap((plugin) => plugin.violations)).toEqual([]);
    }
    // NodejsFunction bundled with the local esbuild (no Docker): five Lambda bundles in the assembly (the four
    // functions and the DAG evaluator).
    const assets = JSON.parse(readFileSync(join(out, 'AirstepStack.assets.json'), 'utf8'));
    const bundles = Object.values(assets.files as Record<string, Json>).filter((file) =>
      existsSync(join(out, file.source.path, 'index.mjs')),
    );
    expect(bundles).toHaveLength(5);
  }, 120_000);
});
