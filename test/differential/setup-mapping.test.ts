import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { setupMappingCases } from './cases/setup-mapping.ts';
import { type DifferentialCase, startCases } from './harness/case.ts';
import { expectAirflowOutcome, expectInstancesAgree, structuralMotoGaps } from './harness/expectations.ts';
import type { Observed } from './harness/observe.ts';
import { runOnEmulator } from './harness/run-emulator.ts';
import { type LocalRun, runLocal } from './harness/run-local.ts';

/**
 * Setup / teardown, cross-product and expandKwargs cases: local engine vs an emulator, on the same compiled ASL.
 * Every case moto 5.2.5 can run (a single chain) is compared there; every case is compared on MiniStack 1.5.33
 * (the one with a Parallel state only there: moto cannot merge its branches, MOTO_GAPS 'parallel-merge'), so the
 * cross product's nested Maps and `$[*][*]` flattening are checked on both emulators. Kept apart from
 * moto.test.ts / ministack.test.ts so it runs on its own in a few seconds.
 */
const cases = setupMappingCases();
const onMoto = cases.filter((test) => structuralMotoGaps(test).length === 0);
type Emulator = 'moto' | 'ministack';
const comparisons: Array<{ label: string; emulator: Emulator; test: DifferentialCase }> = [
  ...onMoto.map((test) => ({ label: `${test.name} [moto]`, emulator: 'moto' as const, test })),
  ...cases.map((test) => ({ label: `${test.name} [MiniStack]`, emulator: 'ministack' as const, test })),
];

const emulators: RunningEmulator[] = [];
const runs = new Map<string, Promise<[LocalRun, Observed]>>();

beforeAll(async () => {
  const start = async (kind: Emulator) => {
    const emulator = await startEmulator(kind);
    emulators.push(emulator);
    const mine = comparisons.filter((entry) => entry.emulator === kind);
    const started = startCases(
      mine.map((entry) => ({ ...entry.test, name: entry.label })),
      6,
      (test) => Promise.all([runLocal(test), runOnEmulator(test, emulator.endpoint)]),
    );
    for (const [label, run] of started) runs.set(label, run);
  };
  await Promise.all([start('moto'), start('ministack')]);
}, 300_000);

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
});

describe('Differential: setup/teardown and mapping kinds, local engine = emulator', () => {
  it.each(comparisons.map((entry) => [entry.label, entry.test] as const))(
    '%s',
    { timeout: 180_000 },
    async (label, test) => {
      const [local, remote] = await runs.get(label)!;
      expect(remote).toEqual(local.observed);
      expectAirflowOutcome(local.observed, test.expected);
      expectInstancesAgree(local);
    },
  );

  it('compares every chain on moto; only the case with a Parallel state is left to MiniStack alone', () => {
    const notOnMoto = cases.filter((test) => !onMoto.includes(test)).map((test) => test.dag.id);
    expect(notOnMoto).toEqual(['diff_teardown_parallel_work']);
  });
});
