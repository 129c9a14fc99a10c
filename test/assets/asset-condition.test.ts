import { describe, expect, it } from 'vitest';
import { assetDecision, conditionMet } from '../../lib/assets/asset-condition.ts';
import type { AssetEvent } from '../../lib/assets/asset-event.ts';
import { consume, newConsumerBook, newEventId, queuedEvents, timestampOfId } from '../../lib/assets/asset-queue.ts';
import type { AssetConditionIR } from '../../lib/compiler/asset-ir.ts';

const a: AssetConditionIR = { kind: 'asset', uri: 's3://a' };
const b: AssetConditionIR = { kind: 'asset', uri: 's3://b' };
const c: AssetConditionIR = { kind: 'asset', uri: 's3://c' };
const all = (...of: AssetConditionIR[]): AssetConditionIR => ({ kind: 'all', of });
const any = (...of: AssetConditionIR[]): AssetConditionIR => ({ kind: 'any', of });

let counter = 0;
const event = (uri: string, at: string): AssetEvent => ({
  id: newEventId(new Date(at), String(++counter).padStart(4, '0')),
  uri,
  timestamp: at,
  sourceDagId: 'producer',
  sourceTaskId: 'load',
  sourceRunId: 'manual__x',
  extra: {},
});

describe('assetDecision', () => {
  it('a list (all): waits until every asset has an event, then consumes them all', () => {
    const e1 = event('s3://a', '2026-12-07T10:00:00.000Z');
    expect(assetDecision(all(a, b), [e1])).toEqual({ due: false, waitingFor: ['s3://b'] });
    const e2 = event('s3://b', '2026-12-07T10:05:00.000Z');
    const e3 = event('s3://a', '2026-12-07T10:03:00.000Z');
    const decision = assetDecision(all(a, b), [e2, e1, e3]);
    expect(decision).toEqual({ due: true, consumed: [e1, e3, e2], triggering: { 's3://a': [e1, e3], 's3://b': [e2] } });
  });

  it('any (|): one asset is enough, and every queued event of the condition is consumed with it', () => {
    const e1 = event('s3://b', '2026-12-07T10:00:00.000Z');
    expect(assetDecision(any(a, b), [e1])).toMatchObject({ due: true, triggering: { 's3://b': [e1] } });
    expect(assetDecision(any(a, b), [])).toEqual({ due: false, waitingFor: ['s3://a', 's3://b'] });
  });

  it('nested: (a & b) | c', () => {
    const condition = any(all(a, b), c);
    expect(conditionMet(condition, new Set(['s3://a']))).toBe(false);
    expect(conditionMet(condition, new Set(['s3://a', 's3://b']))).toBe(true);
    expect(conditionMet(condition, new Set(['s3://c']))).toBe(true);
    expect(conditionMet(all(any(a, b), c), new Set(['s3://a']))).toBe(false);
    expect(conditionMet(all(any(a, b), c), new Set(['s3://b', 's3://c']))).toBe(true);
  });

  it('ignores events of assets the condition does not name', () => {
    const other = event('s3://elsewhere', '2026-12-07T10:00:00.000Z');
    expect(assetDecision(a, [other])).toEqual({ due: false, waitingFor: ['s3://a'] });
  });
});

describe('consumer book', () => {
  it('queues only events recorded since the consumer was first seen', () => {
    const book = newConsumerBook('consumer', new Date('2026-12-07T10:00:00.000Z'));
    const before = event('s3://a', '2026-12-07T09:59:59.999Z');
    const after = event('s3://a', '2026-12-07T10:00:00.001Z');
    expect(queuedEvents(book, [after, before])).toEqual([after]);
  });

  it('a consumed event is never queued again; one written late (older id) still is', () => {
    const book = newConsumerBook('consumer', new Date('2026-12-07T10:00:00.000Z'));
    const first = event('s3://a', '2026-12-07T10:01:00.000Z');
    const newer = event('s3://a', '2026-12-07T10:02:00.000Z');
    const after = consume(book, [newer]);
    expect(queuedEvents(after, [first, newer])).toEqual([first]);
    expect(queuedEvents(consume(after, [first]), [first, newer])).toEqual([]);
  });

  it('folds settled ids into `since` (older than an hour before the newest), so the book stays small', () => {
    const book = newConsumerBook('consumer', new Date('2026-12-07T10:00:00.000Z'));
    const old = event('s3://a', '2026-12-07T10:01:00.000Z');
    const late = event('s3://a', '2026-12-07T12:00:00.000Z');
    const after = consume(consume(book, [old]), [late]);
    expect(after.consumed).toEqual([late.id]);
    expect(timestampOfId(after.since)).toBe('2026-12-07T11:00:00.000Z');
    expect(queuedEvents(after, [old, late])).toEqual([]);
  });

  it('ids sort by time and carry it', () => {
    const id = newEventId(new Date('2026-12-07T10:01:02.003Z'), 'ff');
    expect(id).toBe('2026-12-07T10-01-02-003Z~ff');
    expect(timestampOfId(id)).toBe('2026-12-07T10:01:02.003Z');
    expect(newEventId(new Date('2026-12-07T10:01:02.004Z'), '00') > id).toBe(true);
  });
});
