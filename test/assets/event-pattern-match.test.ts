import { describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../lib/assets/event-pattern-match.ts';
import { eventPatternProblems } from '../../lib/compiler/event-pattern-check.ts';

/** EventBridge's matching rules, for the operators Airstep accepts (examples after the AWS documentation's). */
describe('Function: matchesEventPattern', () => {
  const event = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Order Placed',
    source: 'shop.orders',
    account: '111122223333',
    time: '2026-12-07T10:00:00Z',
    region: 'eu-west-1',
    resources: ['arn:aws:s3:::a', 'arn:aws:s3:::b'],
    detail: {
      orderId: 'O-1001',
      customer: { tier: 'Gold', email: 'ann@Example.com' },
      total: 42.5,
      items: 3,
      express: true,
      coupon: null,
      tags: ['new', 'web'],
      file: 'reports/2026/dec.csv',
    },
  };
  const matches = (pattern: Record<string, unknown>) => {
    // Every pattern tested here is one `validate` accepts: the matcher never sees another.
    expect(eventPatternProblems(pattern, 'pattern')).toEqual([]);
    return matchesEventPattern(pattern, event);
  };

  it('matches exact values: strings, numbers, booleans, null; every field must match', () => {
    expect(matches({ source: ['shop.orders'] })).toBe(true);
    expect(matches({ source: ['shop.other', 'shop.orders'] })).toBe(true);
    expect(matches({ source: ['Shop.Orders'] })).toBe(false);
    expect(matches({ detail: { total: [42.5], items: [3], express: [true], coupon: [null] } })).toBe(true);
    expect(matches({ detail: { items: ['3'] } })).toBe(false);
    expect(matches({ source: ['shop.orders'], 'detail-type': ['Order Shipped'] })).toBe(false);
    expect(matches({ detail: { customer: { tier: ['Gold'] } } })).toBe(true);
    expect(matches({ detail: { customer: { tier: ['Silver'] } } })).toBe(false);
    // A pattern object where the event has a value (or nothing) does not match.
    expect(matches({ detail: { orderId: { x: ['y'] } } })).toBe(false);
  });

  it('matches a list field when any item matches', () => {
    expect(matches({ resources: ['arn:aws:s3:::b'] })).toBe(true);
    expect(matches({ detail: { tags: ['old'] } })).toBe(false);
  });

  it('prefix, suffix, each optionally ignoring case; equals-ignore-case', () => {
    expect(matches({ detail: { file: [{ prefix: 'reports/' }] } })).toBe(true);
    expect(matches({ detail: { file: [{ prefix: 'Reports/' }] } })).toBe(false);
    expect(matches({ detail: { file: [{ prefix: { 'equals-ignore-case': 'REPORTS/' } }] } })).toBe(true);
    expect(matches({ detail: { file: [{ suffix: '.csv' }] } })).toBe(true);
    expect(matches({ detail: { file: [{ suffix: { 'equals-ignore-case': '.CSV' } }] } })).toBe(true);
    expect(matches({ detail: { file: [{ suffix: '.json' }] } })).toBe(false);
    expect(matches({ detail: { customer: { email: [{ 'equals-ignore-case': 'ANN@example.COM' }] } } })).toBe(true);
    // String operators never match a number.
    expect(matches({ detail: { items: [{ prefix: '3' }] } })).toBe(false);
  });

  it('anything-but: a value, a list, a prefix, a suffix, ignoring case, a wildcard; never a missing field', () => {
    expect(matches({ source: [{ 'anything-but': 'shop.other' }] })).toBe(true);
    expect(matches({ source: [{ 'anything-but': ['shop.orders', 'x'] }] })).toBe(false);
    expect(matches({ detail: { items: [{ 'anything-but': [1, 2] }] } })).toBe(true);
    expect(matches({ detail: { items: [{ 'anything-but': 3 }] } })).toBe(false);
    expect(matches({ detail: { file: [{ 'anything-but': { prefix: 'tmp/' } }] } })).toBe(true);
    expect(matches({ detail: { file: [{ 'anything-but': { suffix: '.csv' } }] } })).toBe(false);
    expect(matches({ source: [{ 'anything-but': { 'equals-ignore-case': ['SHOP.ORDERS'] } }] })).toBe(false);
    expect(matches({ detail: { file: [{ 'anything-but': { wildcard: 'reports/*/dec.csv' } }] } })).toBe(false);
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } })).toBe(false);
    // On a list, each item is looked at alone (EventBridge's rule for lists): 'new' is not 'web'.
    expect(matches({ detail: { tags: [{ 'anything-but': 'web' }] } })).toBe(true);
    expect(matches({ detail: { tags: [{ 'anything-but': ['web', 'new'] }] } })).toBe(false);
  });

  it('numeric: comparisons and ranges, on numbers only', () => {
    expect(matches({ detail: { total: [{ numeric: ['>', 40] }] } })).toBe(true);
    expect(matches({ detail: { total: [{ numeric: ['>=', 42.5] }] } })).toBe(true);
    expect(matches({ detail: { total: [{ numeric: ['<', 42.5] }] } })).toBe(false);
    expect(matches({ detail: { total: [{ numeric: ['=', 42.5] }] } })).toBe(true);
    expect(matches({ detail: { total: [{ numeric: ['>', 0, '<=', 42.5] }] } })).toBe(true);
    expect(matches({ detail: { total: [{ numeric: ['>', 0, '<', 42.5] }] } })).toBe(false);
    expect(matches({ detail: { orderId: [{ numeric: ['>', 0] }] } })).toBe(false);
  });

  it('exists: true for a present leaf value (null counts), false for a missing field', () => {
    expect(matches({ detail: { orderId: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { coupon: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { missing: [{ exists: true }] } })).toBe(false);
    expect(matches({ detail: { missing: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { orderId: [{ exists: false }] } })).toBe(false);
    // An object is not a leaf: `exists` looks at values.
    expect(matches({ detail: { customer: [{ exists: true }] } })).toBe(false);
  });

  it('wildcard: * for any characters, \\* for a star', () => {
    expect(matches({ detail: { file: [{ wildcard: 'reports/*/dec.csv' }] } })).toBe(true);
    expect(matches({ detail: { file: [{ wildcard: 'reports/*.json' }] } })).toBe(false);
    expect(matches({ detail: { file: [{ wildcard: '*' }] } })).toBe(true);
    expect(matchesEventPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'a*b' })).toBe(true);
    expect(matchesEventPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'axxb' })).toBe(false);
    // Characters special to regular expressions are plain here.
    expect(matchesEventPattern({ k: [{ wildcard: 'a.c' }] }, { k: 'abc' })).toBe(false);
  });

  it('$or: any alternative, beside the other fields', () => {
    expect(matches({ source: ['shop.orders'], $or: [{ detail: { items: [1] } }, { detail: { total: [42.5] } }] })).toBe(
      true,
    );
    expect(matches({ source: ['shop.orders'], $or: [{ detail: { items: [1] } }, { detail: { total: [1] } }] })).toBe(
      false,
    );
    expect(matches({ source: ['x'], $or: [{ detail: { items: [3] } }, { detail: { total: [42.5] } }] })).toBe(false);
  });
});
