import { describe, expect, it } from 'vitest';
import { InvalidDefinitionError, parseDefinition } from '../../lib/local/parse-definition.ts';

describe('parseDefinition', () => {
  it('returns a well-formed definition as it is', () => {
    const json = {
      StartAt: 'choose',
      TimeoutSeconds: 60,
      States: {
        choose: {
          Type: 'Choice',
          Choices: [{ And: [{ Variable: '$.n', NumericGreaterThan: 1 }], Next: 'items' }],
          Default: 'done',
        },
        items: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'one', States: { one: { Type: 'Pass', End: true } } },
          Retry: [{ ErrorEquals: ['States.ALL'] }],
          Next: 'done',
        },
        done: { Type: 'Succeed' },
      },
    };
    expect(parseDefinition(json)).toBe(json);
  });

  it('throws naming the state and field when a field has the wrong JSON type', () => {
    const act = () => parseDefinition({ StartAt: 'call', States: { call: { Type: 'Task', Resource: 42, End: true } } });
    expect(act).toThrow(InvalidDefinitionError);
    expect(act).toThrow("state 'call' › Resource: must be a string");
  });

  it('throws when a state has both or neither of Next and End', () => {
    const act = () => parseDefinition({ StartAt: 'a', States: { a: { Type: 'Pass' } } });
    expect(act).toThrow("state 'a' › Next: set exactly one of Next (a state name) and End: true");
  });

  it('checks the states inside Parallel branches and nested Choice rules', () => {
    const branch = { StartAt: 'w', States: { w: { Type: 'Wait', End: true } } };
    expect(() =>
      parseDefinition({ StartAt: 'p', States: { p: { Type: 'Parallel', Branches: [branch], End: true } } }),
    ).toThrow("state 'w' › Seconds: set one of Seconds, SecondsPath, Timestamp and TimestampPath");
    expect(() =>
      parseDefinition({
        StartAt: 'c',
        States: { c: { Type: 'Choice', Choices: [{ Not: { StringEquals: 'x' }, Next: 'c' }] } },
      }),
    ).toThrow("state 'c' › Choices[0].Not.Variable: must be a path (or the rule And, Or or Not)");
  });

  it('throws on an unknown state Type and on a StartAt that names no state', () => {
    expect(() => parseDefinition({ StartAt: 'a', States: { a: { Type: 'Loop' } } })).toThrow(
      'state \'a\' › Type: must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map, got "Loop"',
    );
    expect(() => parseDefinition({ StartAt: 'b', States: {} })).toThrow("StartAt: names no state ('b')");
  });
});
