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
 * A case moto 5.2.5 can run (a single chain) is compared there; one with a Parallel state (moto cannot merge its
 * branches, MOTO_GAPS 'parallel-merge') on MiniStack 1.5.33. Kept apart from moto.test.ts / ministack.test.ts so
 * it runs on its own in a few seconds.
 */
const cases = setupMappingCases();
const onMoto = cases.filter((test) => structuralMotoGaps(test).length === 0);
const onMiniStack = cases.filter((test) => structuralMotoGaps(test).length > 0);

const emulators: RunningEmulator[] = [];
let runs: Map<string, Promise<[LocalRun, Observed]>>;

beforeAll(async () => {
  const start = async (kind: 'moto' | 'ministack', group: DifferentialCase[]) => {
    if (group.length === 0) return new Map<string, Promise<[LocalRun, Observed]>>();
    const emulator = await startEmulator(kind);
    emulators.push(emulator);
    return startCases(group, 6, (test) => Promise.all([runLocal(test), runOnEmulator(test, emulator.endpoint)]));
  };
  const [moto, ministack] = await Promise.all([start('moto', onMoto), start('ministack', onMiniStack)]);
  runs = new Map([...moto, ...ministack]);
}, 300_000);

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
});

describe('Differential: setup/teardown and mapping kinds, local engine = emulator', () => {
  const onWhich = (test: DifferentialCase) => (onMoto.includes(test) ? 'moto' : 'MiniStack');
  it.each(cases.map((test) => [`${test.name} [${onWhich(test)}]`, test] as const))(
    '%s',
    { timeout: 180_000 },
    async (_label, test) => {
      const name = test.name;
      const [local, remote] = await runs.get(name)!;
      expect(remote).toEqual(local.observed);
      expectAirflowOutcome(local.observed, test.expected);
      expectInstancesAgree(local);
    },
  );

  it('runs some cases on each emulator', () => {
    expect(onMoto.length).toBeGreaterThan(0);
    expect(onMiniStack.map((test) => test.dag.id)).toEqual(['diff_teardown_parallel_work']);
    expect(onMiniStack.length + onMoto.length).toBe(cases.length);
  });
});
