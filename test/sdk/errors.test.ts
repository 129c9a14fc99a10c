import { describe, expect, it } from 'vitest';
import {
  AirstepError,
  CycleError,
  DagDefinitionError,
  DagValidationError,
  formatProblem,
  NonRetryableError,
  parseDuration,
} from '../../lib/index.ts';

describe('Class: AirstepError', () => {
  it('is the root of every Airstep error, with a stable code and an optional cause', () => {
    const cause = new Error('socket hang up');
    const error = new AirstepError('could not reach the store', { code: 'STORE_UNREACHABLE', cause });
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message, error.cause]).toEqual([
      'AirstepError',
      'STORE_UNREACHABLE',
      'could not reach the store',
      cause,
    ]);
    expect(new AirstepError('plain').code).toBe('AIRSTEP_ERROR');
    expect('cause' in new AirstepError('plain')).toBe(false);
  });
});

describe('Class: NonRetryableError', () => {
  it('is an AirstepError with its own name and code, keeping the cause', () => {
    const cause = new TypeError("Cannot read properties of undefined (reading 'id')");
    const error = new NonRetryableError('row 17 has no id', { cause });
    expect(error).toBeInstanceOf(AirstepError);
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message, error.cause]).toEqual([
      'NonRetryableError',
      'NON_RETRYABLE',
      'row 17 has no id',
      cause,
    ]);
    expect(String(error)).toBe('NonRetryableError: row 17 has no id');
  });

  it('a subclass an author writes is still one, by class and by name (the worker checks both)', () => {
    class BadRowError extends NonRetryableError {
      constructor(row: number) {
        super(`row ${row} has no id`);
      }
    }
    const error = new BadRowError(17);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect([error.name, error.code, error.message]).toEqual(['NonRetryableError', 'NON_RETRYABLE', 'row 17 has no id']);
    expect(error).not.toBeInstanceOf(DagDefinitionError);
  });
});

describe('Class: DagValidationError', () => {
  it('carries every problem and lists them in its message, one per line with file, DAG, task and field', () => {
    const problems = [
      { file: 'dags/etl.ts', dagId: 'etl', taskId: 'load', field: 'retries', message: 'must be 0 or more' },
      {
        file: 'dags/etl.ts',
        dagId: 'etl',
        field: 'schedule',
        message: "schedule '0 25 * * *': hour 25 is out of range",
      },
    ];
    const error = new DagValidationError(problems);
    expect(error).toBeInstanceOf(AirstepError);
    expect([error.name, error.code, error.problems]).toEqual(['DagValidationError', 'DAG_VALIDATION', problems]);
    expect(error.message).toBe(
      '2 problems in DAG:\n' +
        '  - dags/etl.ts › dag etl › task load › retries: must be 0 or more\n' +
        "  - dags/etl.ts › dag etl › schedule: schedule '0 25 * * *': hour 25 is out of range",
    );
    expect(new DagValidationError([{ message: 'x' }]).message).toBe('1 problem in DAG:\n  - x');
  });
});

describe('Class: CycleError and DagDefinitionError', () => {
  it('CycleError carries the cycle, first task repeated at the end', () => {
    const error = new CycleError(['a', 'b', 'a']);
    expect(error).toBeInstanceOf(AirstepError);
    expect([error.name, error.code, error.cycle, error.message]).toEqual([
      'CycleError',
      'DAG_CYCLE',
      ['a', 'b', 'a'],
      'dependency cycle: a -> b -> a',
    ]);
  });

  it('DagDefinitionError carries where the mistake is', () => {
    const error = new DagDefinitionError('retryDelay must be set', { taskId: 'load', field: 'retryDelay' });
    expect(error).toBeInstanceOf(AirstepError);
    expect([error.name, error.code, error.location]).toEqual([
      'DagDefinitionError',
      'DAG_DEFINITION',
      { taskId: 'load', field: 'retryDelay' },
    ]);
  });

  it('parseDuration throws one naming the field and the value', () => {
    expect(parseDuration('1h30m', 'timeout')).toBe(5_400_000);
    expect(() => parseDuration('5 fortnights', 'executionTimeout')).toThrow(
      new DagDefinitionError("executionTimeout unknown unit 'fortnights' in '5 fortnights'", {
        field: 'executionTimeout',
      }),
    );
  });
});

describe('Function: formatProblem', () => {
  it('prints only the parts of the location that are known', () => {
    expect(formatProblem({ message: 'exports no DAG' })).toBe('exports no DAG');
    expect(formatProblem({ file: 'dags/x.ts:4', message: 'import failed: boom' })).toBe(
      'dags/x.ts:4 › import failed: boom',
    );
    expect(formatProblem({ dagId: 'x', field: 'tasks', message: 'the DAG declares no tasks' })).toBe(
      'dag x › tasks: the DAG declares no tasks',
    );
    expect(formatProblem({ field: 'chain', message: 'lists differ' })).toBe('chain: lists differ');
  });
});
