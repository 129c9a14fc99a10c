import { describe, expect, it } from 'vitest';
import { backfillDecision, readReprocess } from '../../../lib/cli/backfill/reprocess.ts';

describe('Function: backfillDecision (Airflow 3 reprocess_behavior)', () => {
  it('runs an interval that has no run, whatever the behavior', () => {
    for (const behavior of ['none', 'failed', 'completed'] as const) {
      expect(backfillDecision(undefined, behavior)).toEqual({ action: 'run', rerun: false });
    }
  });

  it('none leaves every existing run alone, failed ones too', () => {
    expect(backfillDecision('success', 'none')).toEqual({ action: 'skip', note: 'already succeeded' });
    expect(backfillDecision('failed', 'none')).toEqual({ action: 'skip', note: 'already failed' });
    expect(backfillDecision('interrupted', 'none')).toEqual({ action: 'skip', note: 'already interrupted' });
  });

  it('failed runs failed and interrupted runs again and leaves succeeded ones', () => {
    expect(backfillDecision('failed', 'failed')).toEqual({ action: 'run', rerun: true });
    expect(backfillDecision('interrupted', 'failed')).toEqual({ action: 'run', rerun: true });
    expect(backfillDecision('success', 'failed')).toEqual({ action: 'skip', note: 'already succeeded' });
  });

  it('completed runs every ended run again', () => {
    expect(backfillDecision('success', 'completed')).toEqual({ action: 'run', rerun: true });
    expect(backfillDecision('failed', 'completed')).toEqual({ action: 'run', rerun: true });
  });

  it('never touches a run still queued or running, whatever the behavior', () => {
    for (const behavior of ['none', 'failed', 'completed'] as const) {
      expect(backfillDecision('queued', behavior)).toEqual({ action: 'skip', note: 'already queued' });
      expect(backfillDecision('running', behavior)).toEqual({ action: 'skip', note: 'running' });
      expect(backfillDecision('unknown', behavior)).toEqual({ action: 'skip', note: 'state unknown' });
    }
  });
});

describe('Function: readReprocess', () => {
  it('defaults to none, as Airflow 3, and names the choices when the value is not one', () => {
    expect(readReprocess(undefined)).toEqual({ ok: true, value: 'none' });
    expect(readReprocess('completed')).toEqual({ ok: true, value: 'completed' });
    expect(readReprocess('all')).toEqual({
      ok: false,
      message: "--reprocess: 'all' is not one of none, failed, completed",
    });
  });
});
