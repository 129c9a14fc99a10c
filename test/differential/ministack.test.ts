import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { earlyTriggerRuleCases } from './cases/early-trigger-rules.ts';
import { chainExampleCases, parallelExampleCases } from './cases/examples.ts';
import { generatedCases } from './cases/generated.ts';
import { parallelCases } from './cases/parallel.ts';
import { triggerRuleCases } from './cases/trigger-rules.ts';
import { MINISTACK_GAPS } from './gaps.ts';
import { type DifferentialCase, startCases } from './harness/case.ts';
import { useEmulatorServices } from './harness/emulator-services.ts';
import { expectAirflowOutcome } from './harness/expectations.ts';
import type { Observed } from './harness/observe.ts';
import { runOnEmulator } from './harness/run-emulator.ts';
import { type LocalRun, runLocal } from './harness/run-local.ts';

/**
 * The cases moto 5.2.5 cannot run (MOTO_GAPS: Parallel states — the examples with independent branches, gates,
 * every trigger rule over upstream tasks that ran side by side, the `one_*` rules that start early —, S3 results, a retried timeout) compared on
 * MiniStack 1.5.33 instead, the same way. Cases with a MiniStack gap too are checked against Airflow's semantics
 * only (in moto.test.ts).
 */
const MINISTACK_TOPIC = 'arn:aws:sns:us-east-1:000000000000:airstep-alerts';
const cases: DifferentialCase[] = [
  ...generatedCases(),
  ...chainExampleCases(),
  ...parallelExampleCases({ topicArn: MINISTACK_TOPIC }),
  ...parallelCases(),
  ...triggerRuleCases(),
  ...earlyTriggerRuleCases(),
].filter((test) => (test.motoGaps ?? []).length > 0 && (test.ministackGaps ?? []).length === 0);

let ministack: RunningEmulator;
let runs: Map<string, Promise<[LocalRun, Observed]>>;

beforeAll(async () => {
  ministack = await startEmulator('ministack');
  const services = await useEmulatorServices(ministack);
  expect(services.topicArn).toBe(MINISTACK_TOPIC);
  runs = startCases(cases, 12, (test) =>
    Promise.all([
      runLocal(test, test.native === true ? services.native : undefined),
      runOnEmulator(test, ministack.endpoint),
    ]),
  );
  console.log('not compared on MiniStack 1.5.33:', MINISTACK_GAPS);
});

afterAll(async () => {
  await ministack?.stop();
});

describe('Differential: local engine = MiniStack 1.5.33 (what moto cannot run)', () => {
  it.each(cases.map((test) => [test.name, test] as const))('%s', { timeout: 180_000 }, async (name, test) => {
    const [local, remote] = await runs.get(name)!;
    expect(remote).toEqual(local.observed);
    expectAirflowOutcome(local.observed, test.expected);
  });
});
