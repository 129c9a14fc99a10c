import { describe, expect, it } from 'vitest';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import { pausedDecision } from '../../lib/runs/paused-dag-fire.ts';

/** The trigger's one decision for a paused DAG, by kind of event (Airflow: a paused DAG creates no runs by itself). */
const record = (pausedAt?: string) =>
  ({ dagId: 'nightly', ...(pausedAt !== undefined ? { pausedAt } : {}) }) as unknown as DagRecord;

describe('Function: pausedDecision', () => {
  it('runs every kind of event of a DAG that is not paused', () => {
    expect(
      pausedDecision(record(), { kind: 'scheduled', dagId: 'nightly', scheduledTime: '2026-12-06T00:00:00Z' }),
    ).toEqual({
      action: 'run',
    });
    expect(pausedDecision(record(), { kind: 'manual', dagId: 'nightly' })).toEqual({ action: 'run' });
  });

  it("skips a scheduled fire of a paused DAG, refuses a manual trigger unless forced, queues a triggerDag step's, and runs a backfill", () => {
    const paused = record('2026-12-05T10:00:00.000Z');
    expect(
      pausedDecision(paused, { kind: 'scheduled', dagId: 'nightly', scheduledTime: '2026-12-06T00:00:00Z' }),
    ).toEqual({
      action: 'skip',
      scheduledTime: '2026-12-06T00:00:00Z',
      pausedAt: '2026-12-05T10:00:00.000Z',
    });
    expect(pausedDecision(paused, { kind: 'manual', dagId: 'nightly' })).toEqual({
      action: 'refuse',
      problem:
        'DAG nightly is paused (since 2026-12-05T10:00:00.000Z): no run created; unpause it (airstep unpause nightly) or trigger it anyway with --force',
    });
    expect(pausedDecision(paused, { kind: 'manual', dagId: 'nightly', force: true })).toEqual({ action: 'run' });
    // A triggerDag step's trigger (it names the run id): queued until the unpause, as Airflow 3 creates it.
    expect(
      pausedDecision(paused, { kind: 'manual', dagId: 'nightly', runId: 'triggered__report.publish__r1' }),
    ).toEqual({ action: 'queue' });
    // Airflow backfills a paused DAG.
    expect(pausedDecision(paused, { kind: 'backfill', dagId: 'nightly', logicalDate: '2026-11-01T00:00:00Z' })).toEqual(
      {
        action: 'run',
      },
    );
  });
});
