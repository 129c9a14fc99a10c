import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { earlyStartingTasks } from '../../lib/compiler/early-trigger-rules.ts';
import { dag } from '../../lib/sdk/dag.ts';

const noop = async () => null;

describe('Function: earlyStartingTasks', () => {
  it('starts one_success, one_failed and one_done joins early, with the upstream states that decide them', () => {
    const d = dag({ id: 'early' });
    const a = d.task('a', noop);
    const b = d.task('b', noop);
    d.task('on_success', { upstream: [a, b], triggerRule: 'one_success' }, noop);
    d.task('on_failure', { upstream: [a, b], triggerRule: 'one_failed' }, noop);
    d.task('on_done', { upstream: [a, b], triggerRule: 'one_done' }, noop);
    d.task('all_done', { upstream: [a, b], triggerRule: 'all_done' }, noop);
    d.task('single', { upstream: [a], triggerRule: 'one_success' }, noop);
    expect(earlyStartingTasks(compileDag(d).ir)).toEqual(
      new Map([
        ['on_done', ['success', 'failed']],
        ['on_failure', ['failed', 'upstream_failed']],
        ['on_success', ['success']],
      ]),
    );
  });

  it('leaves a join reading an upstream XCom, below a branch or below a skip-all short-circuit to wait for all', () => {
    const d = dag({ id: 'late' });
    const a = d.task('a', noop);
    const b = d.task('b', noop);
    const pick = d.branch('pick', async () => ['a']);
    const sc = d.shortCircuit('sc', { ignoreDownstreamTriggerRules: true }, async () => true);
    const c = d.task('c', { upstream: sc }, noop);
    d.task('reads_input', { upstream: [b], inputs: { a }, triggerRule: 'one_success' }, noop);
    d.task('below_branch', { upstream: [a, pick], triggerRule: 'one_success' }, noop);
    d.task('below_sc', { upstream: [a, c], triggerRule: 'one_done' }, noop);
    d.snsPublish('reads_template', {
      upstream: [a, b],
      triggerRule: 'one_failed',
      topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      message: 'a said {{ xcom.a }}',
    });
    d.snsPublish('reads_no_xcom', {
      upstream: [a, b],
      triggerRule: 'one_failed',
      topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      message: 'run {{ ds }} failed',
    });
    const compiled = compileDag(d);
    expect(compiled.problems).toEqual([]);
    expect([...earlyStartingTasks(compiled.ir).keys()]).toEqual(['reads_no_xcom']);
  });

  it('puts the states that open the gate into the gate message, and the join beside its upstream tasks', () => {
    const d = dag({ id: 'gate_message' });
    const a = d.task('a', noop);
    const b = d.task('b', noop);
    d.task('join', { upstream: [a, b], triggerRule: 'one_success' }, noop);
    const asl = compileDag(d).definition!;
    const parallel = asl.States[asl.StartAt] as { Type: string; Branches: Array<{ StartAt: string; States: never }> };
    expect(parallel.Type).toBe('Parallel');
    expect(parallel.Branches.map((branch) => branch.StartAt)).toEqual(['a', 'b', 'join:gate']);
    const gate = (parallel.Branches[2]!.States as Record<string, { Parameters: { MessageBody: unknown } }>)[
      'join:gate'
    ]!;
    expect(gate.Parameters.MessageBody).toMatchObject({ kind: 'gate', waitFor: ['a', 'b'], openWhen: ['success'] });
  });
});
