import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIr } from '../../lib/compiler/build-ir.ts';
import { OPTION_RULES } from '../../lib/compiler/option-applicability.ts';
import { dag } from '../../lib/sdk/dag.ts';
import type { TaskOptions } from '../../lib/sdk/task-options.ts';
import { type Evidence, OPTION_BEHAVIOUR } from './option-behaviour.ts';
import { listSdkOptions, type SdkOption } from './sdk-options.ts';

/**
 * Issue 11's rule: no option is accepted and ignored. The SDK's option list is read from its types (nothing typed
 * by hand), and every option must have behaviour tests locally and in the cloud (option-behaviour.ts), or be
 * refused by `validate`. Task options that work for some kinds of task only are checked on every kind: where
 * they do nothing, `validate` must refuse them set on the task; where they work, it must not.
 */
let options: SdkOption[];
beforeAll(() => {
  options = listSdkOptions();
}, 120_000);

const mentions = (file: string, name: string) => new RegExp(`\\b${name}\\b`).test(readFileSync(file, 'utf8'));
const filesOf = (evidence: Evidence) => ('none' in evidence ? [] : evidence);

describe('Every SDK option does something, or validate refuses it', () => {
  it('reads the option list from the SDK types: task, DAG, group, sensor, Fargate, param and native-step options', () => {
    const keys = options.map((option) => option.key);
    expect(keys.length).toBeGreaterThan(100);
    for (const key of ['TaskOptions.retries', 'DagOptions.catchup', 's3Put.contentType', 'FargateOptions.cpu']) {
      expect(keys).toContain(key);
    }
    expect(options.find((option) => option.key === 'TaskOptions.pool')?.acceptedBy).toEqual(
      expect.arrayContaining(['task', 'expand', 'sensor', 's3Put', 'container', 'wait', 'empty', 'defaultArgs']),
    );
  });

  it('has an entry for each option, and none for an option the SDK does not have', () => {
    const keys = options.map((option) => option.key);
    expect(keys.filter((key) => OPTION_BEHAVIOUR[key] === undefined)).toEqual([]);
    expect(Object.keys(OPTION_BEHAVIOUR).filter((key) => !keys.includes(key))).toEqual([]);
  });

  it('names, for each option, existing test files (or the fixtures and examples they run) that use it, locally and in the cloud', () => {
    const bad: string[] = [];
    for (const option of options) {
      const behaviour = OPTION_BEHAVIOUR[option.key];
      if (behaviour === undefined || 'refused' in behaviour) continue;
      for (const [side, evidence] of [
        ['local', behaviour.local],
        ['cloud', behaviour.cloud],
      ] as const) {
        if ('none' in evidence) {
          if (evidence.none.length < 20) bad.push(`${option.key} (${side}): say why nothing can show it`);
          continue;
        }
        if (evidence.length === 0) bad.push(`${option.key} (${side}): no file`);
        for (const file of filesOf(evidence)) {
          if (!existsSync(file)) bad.push(`${option.key} (${side}): ${file} does not exist`);
          else if (!mentions(file, option.name))
            bad.push(`${option.key} (${side}): ${file} never names ${option.name}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('refuses the options marked refused, naming the field and what to use instead', () => {
    for (const [key, behaviour] of Object.entries(OPTION_BEHAVIOUR)) {
      if (!('refused' in behaviour)) continue;
      const name = key.split('.')[1]!;
      const d = dag({ id: 'refused' });
      d.task('t', { [name]: behaviour.value } as TaskOptions, async () => 1);
      const problems = buildIr(d).problems.filter((problem) => problem.field === name);
      expect(problems, key).toHaveLength(1);
      expect(problems[0]!.message, key).toContain(behaviour.refused);
    }
  });
});

/** One task of each kind, with the options under test set on it (plus what the option needs to mean something). */
const KINDS: Record<string, (d: ReturnType<typeof dag>, options: TaskOptions) => void> = {
  task: (d, o) => d.task('t', o, async () => 1),
  fargate: (d, o) => d.task('t', { ...o, compute: 'fargate' }, async () => 1),
  expand: (d, o) => d.expand('t', { ...o, over: [1, 2] }, async () => 1),
  sensor: (d, o) => d.sensor('t', o, async () => true),
  container: (d, o) => d.container('t', { ...o, image: 'public.ecr.aws/acme/x:1' }),
  invokeLambda: (d, o) => d.invokeLambda('t', { ...o, functionName: 'f' }),
  s3Put: (d, o) => d.s3Put('t', { ...o, bucket: 'b', key: 'k', body: 'x' }),
  s3Sensor: (d, o) => d.s3Sensor('t', { ...o, bucket: 'b', key: 'k' }),
  wait: (d, o) => d.wait('t', { ...o, duration: '1 second' }),
  empty: (d, o) => d.empty('t', o),
  // Its type takes upstream, triggerRule and doc only; a JavaScript caller can pass more, which validate refuses.
  latestOnly: (d, o) => d.latestOnly('t', o as never),
};
const SHAPE_OF_KIND: Record<string, string> = {
  task: 'lambda_code',
  fargate: 'fargate_code',
  expand: 'lambda_code',
  sensor: 'poll_sensor',
  container: 'container',
  invokeLambda: 'lambda_invoke',
  s3Put: 'native',
  s3Sensor: 's3_sensor',
  wait: 'wait',
  empty: 'empty',
  latestOnly: 'latest_only',
};
/** A value for each option, and the options it needs beside it to mean something. */
const SAMPLE: Partial<Record<keyof TaskOptions, TaskOptions>> = {
  retries: { retries: 2 },
  retryDelay: { retryDelay: '10 seconds', retries: 1 },
  exponentialBackoff: { exponentialBackoff: true, retries: 1 },
  maxRetryDelay: { maxRetryDelay: '1 hour', exponentialBackoff: true, retries: 1 },
  retryJitter: { retryJitter: true, retries: 1 },
  executionTimeout: { executionTimeout: '1 hour' },
  heartbeat: { heartbeat: '1 minute' },
  pool: { pool: 'warehouse' },
  poolSlots: { poolSlots: 2, pool: 'warehouse' },
  queue: { queue: 'big' },
  weightRule: { weightRule: 'absolute' },
  runAs: { runAs: 'arn:aws:iam::123456789012:role/reader' },
  onFailure: { onFailure: () => {} },
  onRetry: { onRetry: () => {}, retries: 1 },
  onSuccess: { onSuccess: () => {} },
};

describe('Task options that work for some kinds of task only', () => {
  it('has a sample value for every such option', () => {
    expect(Object.keys(OPTION_RULES).sort()).toEqual(Object.keys(SAMPLE).sort());
  });

  for (const [option, rule] of Object.entries(OPTION_RULES)) {
    it(`${option}: refused where it does nothing, accepted where it works, ignored from defaultArgs where it does nothing`, () => {
      for (const [kind, declare] of Object.entries(KINDS)) {
        const sample = SAMPLE[option as keyof TaskOptions]!;
        const own = dag({ id: 'own' });
        declare(own, sample);
        const onTask = buildIr(own).problems.filter((problem) => problem.field === option);
        const applies = (rule!.appliesTo as readonly string[]).includes(SHAPE_OF_KIND[kind]!);
        expect(
          onTask.map((problem) => problem.message),
          `${option} on ${kind}`,
        ).toEqual(applies ? [] : [expect.stringMatching(/^does nothing for /)]);
        // From the DAG's defaultArgs the option applies where it fits and is left off elsewhere, without a problem.
        const inherited = dag({ id: 'inherited', defaultArgs: sample });
        declare(inherited, {});
        const built = buildIr(inherited);
        expect(
          built.problems.filter((problem) => problem.field === option),
          `${option} from defaultArgs on ${kind}`,
        ).toEqual([]);
      }
    });
  }
});
