import { describe, expect, it } from 'vitest';
import { endedTryState, liveOrder, tryRecordUpdate } from '../../lib/worker/try-records.ts';

const identity = { dagId: 'd', runId: 'r', taskId: 't', mapIndex: -1, tryNumber: 2, token: 'tok', executionArn: 'arn' };

describe('live try records', () => {
  it('orders a try’s phases, and every phase of a try after those of the try before', () => {
    expect(liveOrder(1, 'queued')).toBeLessThan(liveOrder(1, 'running'));
    expect(liveOrder(1, 'running')).toBeLessThan(liveOrder(1, 'ended'));
    expect(liveOrder(1, 'ended')).toBeLessThan(liveOrder(2, 'queued'));
  });

  it('names the end of a try as Airflow does', () => {
    expect(endedTryState({ ok: true }, 1, 0)).toBe('success');
    expect(endedTryState({ ok: false, error: 'Error' }, 1, 1)).toBe('up_for_retry');
    expect(endedTryState({ ok: false, error: 'Error' }, 2, 1)).toBe('failed');
    expect(endedTryState({ ok: false, error: 'NonRetryableError' }, 1, 3)).toBe('failed');
    expect(endedTryState({ ok: false, error: 'SkipError' }, 1, 0)).toBe('skipped');
  });

  it('writes only over an earlier phase and never over the recorder’s final record', () => {
    const update = tryRecordUpdate('ti', identity, { phase: 'running', state: 'running', at: new Date(0), host: 'h' });
    expect(update.ConditionExpression).toBe(
      '(attribute_not_exists(#final) OR (attribute_exists(finalExecutionArn) AND finalExecutionArn <> :arn)) AND ' +
        '(attribute_not_exists(liveOrder) OR liveOrder < :order)',
    );
    // The execution the write is from, for every phase (an end too): a record final for it takes nothing more.
    expect(update.ExpressionAttributeValues[':arn']).toEqual({ S: 'arn' });
    expect(update.ExpressionAttributeValues[':order']).toEqual({ N: String(liveOrder(2, 'running')) });
    expect(update.Key).toEqual({ runKey: { S: 'd#r' }, taskKey: { S: 't#-1' } });
    expect(update.UpdateExpression).toContain('#token = :token');
    const ended = tryRecordUpdate('ti', identity, { phase: 'ended', state: 'success', at: new Date(0) });
    expect(ended.UpdateExpression).toMatch(/REMOVE #token, #error$/);
    expect(ended.ExpressionAttributeValues[':arn']).toEqual({ S: 'arn' });
  });
});
