import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dbtLikeDag } from '../../dags/_shared/dbt-like-graph.ts';
import { evaluatedDag } from '../../lib/dag-sync/dag-evaluator.ts';
import { type Evaluation, parseEvaluation } from '../../lib/dag-sync/evaluate-dag-source.ts';
import { packEvaluation, unpackEvaluation } from '../../lib/dag-sync/evaluation-wire.ts';
import type { Dag } from '../../lib/sdk/dag.ts';

/** What the evaluating process answers for a file of one DAG. */
function evaluationOf(dag: Dag): Evaluation {
  return { ok: true, dags: [evaluatedDag(dag)] };
}

const LAMBDA_ANSWER_BYTES = 6 * 1024 * 1024;

describe('the evaluator Lambda answer, packed', () => {
  it('carries a 2,000-model split DAG whose evaluation is over what Lambda answers, and unpacks to the same', () => {
    const evaluation = evaluationOf(dbtLikeDag('wire_big', 2000));
    const plain = JSON.stringify(evaluation);
    expect(evaluation.ok && evaluation.dags[0]!.children!.length).toBeGreaterThan(1);
    // Unpacked it would be refused by Lambda; packed it fits with room to spare.
    expect(Buffer.byteLength(plain)).toBeGreaterThan(LAMBDA_ANSWER_BYTES);
    const answer = JSON.stringify(packEvaluation(evaluation));
    expect(Buffer.byteLength(answer)).toBeLessThan(LAMBDA_ANSWER_BYTES / 4);
    // What dag-sync reads is what it would read of the same answer unpacked (compared as text: megabytes).
    const same = JSON.stringify(unpackEvaluation(answer)) === JSON.stringify(parseEvaluation(plain));
    expect(same).toBe(true);
    expect(unpackEvaluation(answer)).toMatchObject({ ok: true, dags: [{ dagId: 'wire_big' }] });
  });

  it('says what is wrong with an answer that is not a packed evaluation, and never throws', () => {
    expect(unpackEvaluation('oops')).toEqual({
      ok: false,
      error: 'the evaluator answered something that is not JSON (4 characters)',
    });
    expect(unpackEvaluation(JSON.stringify({ ok: true, dags: [] }))).toEqual({
      ok: false,
      error: 'the evaluator answered without its packed evaluation',
    });
    expect(unpackEvaluation(JSON.stringify({ gzipBase64: 'bm90IGd6aXA=' }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the evaluator's answer does not unpack \(/),
    });
    const wrongShape = gzipSync(JSON.stringify({ ok: true, dags: [{ dagId: 7 }] })).toString('base64');
    expect(unpackEvaluation(JSON.stringify({ gzipBase64: wrongShape }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the evaluating process answered a malformed result \(dags\.0\.dagId: /),
    });
  });

  it('refuses an answer that unpacks to more than 64 MiB instead of filling dag-sync’s memory', () => {
    const bomb = gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20)).toString('base64');
    expect(unpackEvaluation(JSON.stringify({ gzipBase64: bomb }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the evaluator's answer does not unpack \(.*(buffer|length|size)/i),
    });
  });
});
