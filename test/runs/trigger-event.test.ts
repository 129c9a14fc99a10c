import { describe, expect, it } from 'vitest';
import { isManualTrigger, readTriggerEvent } from '../../lib/runs/trigger-event.ts';

describe('Function: readTriggerEvent', () => {
  it('takes a scheduled fire and a manual trigger as they are', () => {
    const fire = { kind: 'scheduled', dagId: 'etl', scheduledTime: '2026-11-24T00:00:00Z' };
    const manual = { kind: 'manual', dagId: 'etl', conf: { limit: 3 }, logicalDate: '2026-11-20' };
    expect(readTriggerEvent(fire)).toEqual({ ok: true, event: fire });
    expect(readTriggerEvent(manual)).toEqual({ ok: true, event: manual });
    expect(readTriggerEvent({ kind: 'manual', dagId: 'etl' })).toEqual({
      ok: true,
      event: { kind: 'manual', dagId: 'etl' },
    });
  });

  it('takes a backfill request for one interval, and refuses one without its logical date', () => {
    const backfill = { kind: 'backfill', dagId: 'etl', logicalDate: '2026-11-20T00:00:00+00:00', conf: { limit: 3 } };
    expect(readTriggerEvent(backfill)).toEqual({ ok: true, event: backfill });
    expect(readTriggerEvent({ kind: 'backfill', dagId: 'etl' })).toEqual({
      ok: false,
      problems: ['logicalDate is required for a backfill run'],
    });
    expect(readTriggerEvent({ kind: 'backfill', dagId: 'etl', logicalDate: 'soon' })).toEqual({
      ok: false,
      problems: ["logicalDate 'soon' is not an ISO date"],
    });
  });

  it("names a scheduler context attribute left unfilled, which MiniStack's Scheduler sends", () => {
    expect(
      readTriggerEvent({ kind: 'scheduled', dagId: 'etl', scheduledTime: '<aws.scheduler.scheduled-time>' }),
    ).toEqual({
      ok: false,
      problems: [
        'scheduledTime is the unfilled placeholder <aws.scheduler.scheduled-time>: the scheduler did not fill in its context attribute',
      ],
    });
    expect(
      readTriggerEvent({ kind: 'scheduled', dagId: 'etl', scheduledTime: '<aws.scheduler.execution-id>' }),
    ).toEqual({
      ok: false,
      problems: [
        'scheduledTime is the unfilled placeholder <aws.scheduler.execution-id>: the scheduler did not fill in its context attribute',
      ],
    });
  });

  it('gives every problem of an event at once', () => {
    expect(readTriggerEvent({ kind: 'scheduled', dagId: '', scheduledTime: 1_700_000_000 })).toEqual({
      ok: false,
      problems: ["dagId must be a non-empty string, got ''", 'scheduledTime 1700000000 is not an ISO date'],
    });
    expect(readTriggerEvent({ kind: 'manual', conf: [1, 2], logicalDate: 'yesterday' })).toEqual({
      ok: false,
      problems: [
        'dagId must be a non-empty string, got nothing',
        'conf must be a JSON object, got a list',
        "logicalDate 'yesterday' is not an ISO date",
      ],
    });
    expect(readTriggerEvent({ dagId: 'etl' })).toEqual({
      ok: false,
      problems: ["kind must be 'scheduled', 'manual', 'backfill', 'clear', 'asset' or 'unpaused', got nothing"],
    });
  });

  it('refuses what is not a JSON object, and cuts long values it quotes', () => {
    expect(readTriggerEvent(null)).toEqual({ ok: false, problems: ['the event must be a JSON object, got null'] });
    expect(readTriggerEvent([])).toEqual({ ok: false, problems: ['the event must be a JSON object, got a list'] });
    expect(readTriggerEvent('etl')).toEqual({ ok: false, problems: ["the event must be a JSON object, got 'etl'"] });
    const long = 'x'.repeat(200);
    expect(readTriggerEvent({ kind: long, dagId: 'etl' })).toEqual({
      ok: false,
      problems: [
        `kind must be 'scheduled', 'manual', 'backfill', 'clear', 'asset' or 'unpaused', got '${'x'.repeat(77)}...'`,
      ],
    });
  });
});

describe('Function: isManualTrigger', () => {
  it('is true for a manual event only, readable or not', () => {
    expect(isManualTrigger({ kind: 'manual', dagId: 'etl' })).toBe(true);
    expect(isManualTrigger({ kind: 'manual', conf: 'bad' })).toBe(true);
    expect(isManualTrigger({ kind: 'backfill', dagId: 'etl', logicalDate: '2026-11-20' })).toBe(true);
    // `airstep clear --stack` waits for the answer too: a refused clear is answered, not queued as a failed event.
    expect(isManualTrigger({ kind: 'clear', dagId: 'etl', runId: 'manual__x' })).toBe(true);
    expect(isManualTrigger({ kind: 'scheduled', dagId: 'etl', scheduledTime: 'x' })).toBe(false);
    expect(isManualTrigger({ dagId: 'etl' })).toBe(false);
    expect(isManualTrigger('manual')).toBe(false);
    expect(isManualTrigger(null)).toBe(false);
  });
});
