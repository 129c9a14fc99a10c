import { expect } from 'vitest';
import { compileDag } from '../../../lib/compiler/compile-dag.ts';
import type { MotoGap } from '../gaps.ts';
import { type DifferentialCase, type Expected, triesOf } from './case.ts';
import type { Observed } from './observe.ts';
import type { LocalRun } from './run-local.ts';

/** The outcome matches what Airflow's semantics require: status, every task's state (and what else is pinned). */
export function expectAirflowOutcome(observed: Observed, expected: Expected): void {
  expect(observed.status).toBe(expected.status);
  if (expected.error !== undefined) expect(observed.error).toBe(expected.error);
  expect(Object.keys(observed.tasks).sort()).toEqual(Object.keys(expected.tasks).sort());
  for (const [id, task] of Object.entries(expected.tasks)) expect(observed.tasks[id], id).toMatchObject(task);
  if (expected.tries !== undefined) expect(triesOf(observed)).toEqual(expected.tries);
  for (const [pair, held] of Object.entries(observed.order ?? {})) expect(held, `order: ${pair}`).toBe(true);
  for (const [key, calls] of Object.entries(observed.calls)) {
    for (const call of calls) expect(call.answer, `${key} never answered`).not.toBe('pending');
  }
}

/** The engine's own task instances (the grid of `airstep run`) say what the payload says. */
export function expectInstancesAgree(local: LocalRun): void {
  for (const instance of local.instances.filter((task) => task.mapIndex < 0)) {
    const record = local.observed.tasks[instance.taskId];
    if (record === undefined) continue;
    expect(instance.state, instance.taskId).toBe(record.state);
    const calls = local.observed.calls[instance.taskId];
    if (calls !== undefined)
      expect(instance.tries, instance.taskId).toBe(Math.max(...calls.map((c) => c.retryCount + 1)));
  }
}

/**
 * The gaps a case's compiled ASL certainly hits on moto, read from the definition: a Parallel state, an S3 call
 * whose result moto cannot serialise, a Wait until a timestamp read from the payload. (`retry-reuses-token` depends on the behaviour, so it is named by hand.)
 */
export function structuralMotoGaps(test: DifferentialCase): MotoGap[] {
  const asl = compileDag(test.dag).asl ?? '';
  const gaps: MotoGap[] = [];
  if (asl.includes('"Type": "Parallel"') || asl.includes('"Type":"Parallel"')) gaps.push('parallel-merge');
  if (/aws-sdk:s3:(listObjectsV2|copyObject)/.test(asl)) gaps.push('s3-result-timestamps');
  if (asl.includes('"TimestampPath"')) gaps.push('timestamp-offset');
  return gaps;
}
