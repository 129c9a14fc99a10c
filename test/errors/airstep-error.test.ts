import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topologicalOrder } from '../../lib/compiler/plan-structure.ts';
import { AirstepError, InternalError } from '../../lib/errors/airstep-error.ts';
import { Clock } from '../../lib/local/clock.ts';
import { SlotSemaphore, SlotsOverCapacityError } from '../../lib/local/slot-limits.ts';
import { StatesError } from '../../lib/local/states-error.ts';
import { TaskTokens } from '../../lib/local/task-tokens.ts';
import { ScheduleError } from '../../lib/schedule/errors.ts';
import { TimeZone } from '../../lib/schedule/zoned-time.ts';
import { CycleError } from '../../lib/sdk/errors.ts';
import { MissingStackEnvError, readStackEnv } from '../../lib/stack-contract/stack-env.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ERROR_ROOT = 'lib/errors/airstep-error.ts';

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

/** Each line of lib/ and lambdas/ that matches `pattern`, as `file:line: text`. */
function linesMatching(pattern: RegExp, except: readonly string[] = []): string[] {
  const found: string[] = [];
  for (const file of [...sources('lib'), ...sources('lambdas')]) {
    const path = relative(ROOT, join(ROOT, file));
    if (except.includes(path)) continue;
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (pattern.test(line)) found.push(`${path}:${index + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('Airstep errors', () => {
  it('are never a bare Error, RangeError or TypeError in lib/ and lambdas/ (throw an AirstepError subclass)', () => {
    // `new Error()` with no message only captures a stack (the SDK reads where a task was declared).
    expect(linesMatching(/\bnew (?:Error|RangeError|TypeError)\((?!\))/)).toEqual([]);
  });

  it('all descend from the one root: no class extends a built-in error outside it', () => {
    expect(linesMatching(/\bextends (?:Error|RangeError|TypeError)\b/, [ERROR_ROOT])).toEqual([]);
  });
});

describe('Class: AirstepError subclasses', () => {
  it('keep the Step Functions error a StatesError carries, and add the root code', () => {
    const error = new StatesError('States.Timeout', 'no heartbeat', ['States.HeartbeatTimeout']);
    expect(error).toBeInstanceOf(AirstepError);
    expect([error.name, error.code, error.message, error.toOutput(), error.aliases]).toEqual([
      'StatesError',
      'STATES_ERROR',
      'States.Timeout: no heartbeat',
      { Error: 'States.Timeout', Cause: 'no heartbeat' },
      ['States.HeartbeatTimeout'],
    ]);
    expect('cause' in error).toBe(false);
  });

  it('answers an unknown task token with the name AWS uses, TaskTimedOut', () => {
    const thrown = (() => {
      try {
        new TaskTokens().sendTaskHeartbeat('0123456789abcdef');
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(AirstepError);
    expect(thrown).toMatchObject({ name: 'TaskTimedOut', code: 'TASK_TOKEN_NOT_WAITING', token: '0123456789abcdef' });
  });

  it('throws a ScheduleError on timezone for a zone id EventBridge would refuse', () => {
    expect(() => TimeZone.of('utc')).toThrow(ScheduleError);
    try {
      TimeZone.of('utc');
    } catch (error) {
      expect(error).toMatchObject({ name: 'ScheduleError', code: 'INVALID_SCHEDULE', field: 'timezone', value: 'utc' });
    }
  });

  it('throws a CycleError carrying the cycle when a plan is asked for a cyclic graph', () => {
    const upstream = new Map([
      ['a', ['c']],
      ['b', ['a']],
      ['c', ['b']],
      ['d', []],
    ]);
    expect(() => topologicalOrder(['a', 'b', 'c', 'd'], upstream)).toThrow(CycleError);
    try {
      topologicalOrder(['a', 'b', 'c', 'd'], upstream);
    } catch (error) {
      expect(error).toMatchObject({ code: 'DAG_CYCLE', cycle: ['a', 'b', 'c', 'a'] });
      expect((error as Error).message).toBe('dependency cycle: a -> b -> c -> a');
    }
  });

  it('names the missing variables of a handler deployed outside the construct', () => {
    expect(() => readStackEnv(['bucket', 'runsTable'], {})).toThrow(
      new MissingStackEnvError(['AIRSTEP_BUCKET', 'AIRSTEP_RUNS_TABLE']),
    );
    expect(() => readStackEnv(['bucket'], {})).toThrow(
      'missing environment: AIRSTEP_BUCKET (deploy with the Airstep construct)',
    );
  });

  it('gives each error its own name and a stable code', async () => {
    const cases: Array<[AirstepError, string, string]> = [
      [new InternalError('internal: x'), 'InternalError', 'INTERNAL'],
      [
        (() => {
          try {
            new Clock({ speed: 0 });
          } catch (e) {
            return e as AirstepError;
          }
          throw new InternalError('no throw');
        })(),
        'ClockSpeedError',
        'INVALID_CLOCK_SPEED',
      ],
      [
        (await new SlotSemaphore("pool 'tiny'", 1).acquire(2).catch((e: AirstepError) => e)) as AirstepError,
        'SlotsOverCapacityError',
        'SLOTS_OVER_CAPACITY',
      ],
    ];
    for (const [error, name, code] of cases) {
      expect(error).toBeInstanceOf(AirstepError);
      expect([error.name, error.code]).toEqual([name, code]);
    }
    expect(cases[2]![0]).toBeInstanceOf(SlotsOverCapacityError);
  });
});
