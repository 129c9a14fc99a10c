import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { earlyTriggerRuleCases } from './cases/early-trigger-rules.ts';
import { chainExampleCases, parallelExampleCases } from './cases/examples.ts';
import { generatedCases } from './cases/generated.ts';
import { parallelCases } from './cases/parallel.ts';
import { triggerRuleCases } from './cases/trigger-rules.ts';
import { MOTO_FIELD_GAPS, MOTO_GAPS } from './gaps.ts';
import { type DifferentialCase, startCases } from './harness/case.ts';
import { useEmulatorServices } from './harness/emulator-services.ts';
import { expectAirflowOutcome, expectInstancesAgree, structuralMotoGaps } from './harness/expectations.ts';
import type { Observed } from './harness/observe.ts';
import { runOnEmulator } from './harness/run-emulator.ts';
import { type LocalRun, runLocal } from './harness/run-local.ts';

/**
 * Local engine vs moto 5.2.5's Step Functions: the same compiled ASL and the same task behaviour on both sides
 * must give identical task states, tries, outputs and messages, and the same final execution status. Cases moto
 * cannot run (MOTO_GAPS) are not compared; the local engine's result is checked against Airflow's semantics for
 * every case, compared or not.
 */
const MOTO_TOPIC = 'arn:aws:sns:us-east-1:123456789012:airstep-alerts';
const cases: DifferentialCase[] = [
  ...generatedCases(),
  ...triggerRuleCases(),
  ...earlyTriggerRuleCases(),
  ...chainExampleCases(),
  ...parallelExampleCases({ topicArn: MOTO_TOPIC }),
  ...parallelCases(),
];
const compared = cases.filter((test) => (test.motoGaps ?? []).length === 0);
const notCompared = cases.filter((test) => (test.motoGaps ?? []).length > 0);

let moto: RunningEmulator;
let runs: Map<string, Promise<[LocalRun, Observed | undefined]>>;

beforeAll(async () => {
  moto = await startEmulator('moto');
  const services = await useEmulatorServices(moto);
  expect(services.topicArn).toBe(MOTO_TOPIC);
  const local = (test: DifferentialCase) => runLocal(test, test.native === true ? services.native : undefined);
  runs = startCases<[LocalRun, Observed | undefined]>(cases, 24, (test) =>
    (test.motoGaps ?? []).length === 0
      ? Promise.all([local(test), runOnEmulator(test, moto.endpoint)])
      : Promise.all([local(test), undefined]),
  );
  console.log(
    `moto 5.2.5: ${compared.length} cases compared, ${notCompared.length} not comparable:\n` +
      Object.entries(MOTO_GAPS)
        .map(([gap, reason]) => {
          const names = notCompared.filter((test) => test.motoGaps!.includes(gap as keyof typeof MOTO_GAPS));
          return `  ${gap} (${names.length} cases): ${reason}\n${names.map((test) => `    - ${test.name}`).join('\n')}`;
        })
        .join('\n') +
      `\n  not compared in any case:\n${Object.entries(MOTO_FIELD_GAPS)
        .map(([field, reason]) => `    ${field}: ${reason}`)
        .join('\n')}`,
  );
});

/** The observation less the fields this case names in motoFieldGaps (both sides alike). */
function withoutFieldGaps(observed: Observed, test: DifferentialCase): Observed {
  if (!test.motoFieldGaps?.includes('TIMED_OUT error')) return observed;
  const { error: _error, ...rest } = observed;
  return rest;
}

afterAll(async () => {
  await moto?.stop();
});

describe('Differential: local engine = moto 5.2.5', () => {
  it.each(compared.map((test) => [test.name, test] as const))('%s', { timeout: 180_000 }, async (name, test) => {
    const [local, remote] = await runs.get(name)!;
    expect(withoutFieldGaps(remote!, test)).toEqual(withoutFieldGaps(local.observed, test));
    expectAirflowOutcome(local.observed, test.expected);
    expectInstancesAgree(local);
  });
});

describe('Not comparable on moto 5.2.5 (MOTO_GAPS): the local engine against Airflow semantics', () => {
  it.each(notCompared.map((test) => [`${test.name} [${test.motoGaps!.join(', ')}]`, test] as const))(
    '%s',
    { timeout: 180_000 },
    async (_label, test) => {
      const [local] = await runs.get(test.name)!;
      expectAirflowOutcome(local.observed, test.expected);
      expectInstancesAgree(local);
    },
  );
});

describe('MOTO_GAPS', () => {
  it('names exactly the gaps each case hits: a Parallel state or an S3 result, and nothing else left out', () => {
    for (const test of cases) {
      const named = (test.motoGaps ?? []).filter((gap) => gap !== 'retry-reuses-token');
      expect(named.sort(), test.name).toEqual(structuralMotoGaps(test).sort());
    }
    const used = new Set(notCompared.flatMap((test) => test.motoGaps!));
    expect([...used].sort()).toEqual(Object.keys(MOTO_GAPS).sort());
  });
});
