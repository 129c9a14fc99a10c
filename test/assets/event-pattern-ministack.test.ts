import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../lib/assets/event-pattern-match.ts';
import { eventPatternProblems } from '../../lib/compiler/event-pattern-check.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';

/**
 * The local matcher against another implementation of EventBridge's rules: MiniStack's TestEventPattern (moto's
 * has no operators beyond a few). Each pattern is one `validate` accepts; the two must agree on every event.
 */
let ministack: RunningEmulator;
let events: EventBridgeClient;
beforeAll(async () => {
  ministack = await startEmulator('ministack');
  events = new EventBridgeClient({
    endpoint: ministack.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}, 180_000);
afterAll(async () => {
  await ministack?.stop();
});

const base = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Order Placed',
  source: 'shop.orders',
  account: '111122223333',
  time: '2026-12-07T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:s3:::a', 'arn:aws:s3:::b'],
};
const detail = {
  orderId: 'O-1001',
  customer: { tier: 'Gold', email: 'ann@Example.com' },
  total: 42.5,
  items: 3,
  express: true,
  tags: ['new', 'web'],
  file: 'reports/2026/dec.csv',
};
const PATTERNS: Array<Record<string, unknown>> = [
  { source: ['shop.orders'] },
  { source: ['Shop.Orders'] },
  { detail: { total: [42.5], items: [3], express: [true] } },
  { detail: { items: ['3'] } },
  { detail: { customer: { tier: ['Gold'] } } },
  { resources: ['arn:aws:s3:::b'] },
  { detail: { tags: ['old'] } },
  { detail: { file: [{ prefix: 'reports/' }] } },
  { detail: { file: [{ prefix: { 'equals-ignore-case': 'REPORTS/' } }] } },
  { detail: { file: [{ suffix: '.csv' }] } },
  { detail: { file: [{ suffix: { 'equals-ignore-case': '.CSV' } }] } },
  { detail: { customer: { email: [{ 'equals-ignore-case': 'ANN@example.COM' }] } } },
  { source: [{ 'anything-but': 'shop.other' }] },
  { source: [{ 'anything-but': ['shop.orders', 'x'] }] },
  { detail: { items: [{ 'anything-but': [1, 2] }] } },
  { detail: { file: [{ 'anything-but': { prefix: 'tmp/' } }] } },
  { detail: { file: [{ 'anything-but': { suffix: '.csv' } }] } },
  { source: [{ 'anything-but': { 'equals-ignore-case': ['SHOP.ORDERS'] } }] },
  { detail: { missing: [{ 'anything-but': 'x' }] } },
  { detail: { tags: [{ 'anything-but': 'web' }] } },
  { detail: { total: [{ numeric: ['>', 40] }] } },
  { detail: { total: [{ numeric: ['>', 0, '<', 42.5] }] } },
  { detail: { total: [{ numeric: ['>=', 42.5] }] } },
  { detail: { orderId: [{ numeric: ['>', 0] }] } },
  { detail: { orderId: [{ exists: true }] } },
  { detail: { missing: [{ exists: false }] } },
  { detail: { orderId: [{ exists: false }] } },
  { detail: { file: [{ wildcard: 'reports/*/dec.csv' }] } },
  { detail: { file: [{ wildcard: 'reports/*.json' }] } },
  { source: ['shop.orders'], $or: [{ detail: { items: [1] } }, { detail: { total: [42.5] } }] },
  { source: ['shop.orders'], $or: [{ detail: { items: [1] } }, { detail: { total: [1] } }] },
];

describe('Function: matchesEventPattern agrees with MiniStack TestEventPattern', () => {
  it.each(PATTERNS.map((pattern) => [JSON.stringify(pattern), pattern]))('%s', async (_, pattern) => {
    expect(eventPatternProblems(pattern, 'pattern')).toEqual([]);
    const event = { ...base, detail };
    const answer = await events.send(
      new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }),
    );
    expect(matchesEventPattern(pattern as Record<string, unknown>, event)).toBe(answer.Result);
  });
});
