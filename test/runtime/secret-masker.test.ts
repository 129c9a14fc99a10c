import { describe, expect, it } from 'vitest';
import { SecretMasker } from '../../lib/runtime/secret-masker.ts';
import { isSensitiveName } from '../../lib/runtime/secret-names.ts';

describe('Class: SecretMasker', () => {
  it('masks a secret as written, JSON-escaped and percent-encoded', () => {
    const masker = new SecretMasker();
    masker.add('p@ss"w/rd');
    expect(masker.mask('plain p@ss"w/rd, json "p@ss\\"w/rd", uri u:p%40ss%22w%2Frd@h')).toBe(
      'plain ***, json "***", uri u:***@h',
    );
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const masker = new SecretMasker();
    masker.add('hunter2');
    masker.add('hunter2-extended');
    expect(masker.mask('a hunter2-extended b hunter2')).toBe('a *** b ***');
  });

  it("leaves values shorter than 5 characters alone (Airflow's min_length_masked_secret)", () => {
    const masker = new SecretMasker();
    masker.add('abcd');
    masker.add(undefined);
    expect(masker.empty).toBe(true);
    expect(masker.mask('abcd')).toBe('abcd');
  });

  it('says whether a text reveals a secret', () => {
    const masker = new SecretMasker();
    masker.add('s3cr3t-value');
    expect([masker.reveals('{"a":"s3cr3t-value"}'), masker.reveals('{"a":1}')]).toEqual([true, false]);
  });
});

describe('Function: isSensitiveName', () => {
  it.each([
    ['db_password', true],
    ['API-KEY', true],
    ['slack_token', true],
    ['client_secret', true],
    ['bucket', false],
    ['region_name', false],
  ])('%s -> %s', (name, sensitive) => {
    expect(isSensitiveName(name)).toBe(sensitive);
  });
});
