import { describe, expect, it } from 'vitest';
import { errorLogText, errorSummary, ownRootsOf } from '../../lib/runtime/readable-error.ts';

const STACK = [
  'Error: the rows were refused',
  '    at <anonymous> (/home/me/project/dags/load.ts:5:9)',
  '    at helper (/home/me/project/dags/lib/db.ts:12:3)',
  '    at runTaskTry (/home/me/project/node_modules/airstep/dist/lib/runtime/task-runner.js:81:15)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  '    at async process.<anonymous> (/opt/airstep/dist/lib/local/worker-process.js:40:21)',
].join('\n');

describe('errorSummary', () => {
  it("reads a stack's first line once, without doubling the name", () => {
    expect(errorSummary('Error', STACK)).toBe('Error: the rows were refused');
  });

  it('puts the name before a cause that does not start with it (a service error)', () => {
    expect(errorSummary('S3.NoSuchBucket', 'The specified bucket does not exist\nmore')).toBe(
      'S3.NoSuchBucket: The specified bucket does not exist',
    );
  });

  it('is the name alone without a cause, and one cut line for a huge one', () => {
    expect(errorSummary('States.Timeout')).toBe('States.Timeout');
    const long = errorSummary('Error', 'x'.repeat(5000));
    expect(long.length).toBe(300);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('errorLogText', () => {
  it("keeps the user's frames and cuts Airstep's own and Node's internals", () => {
    expect(errorLogText('Error', STACK, ['/opt/airstep/lib/', '/opt/airstep/dist/'])).toBe(
      [
        'Error: the rows were refused',
        '    at <anonymous> (/home/me/project/dags/load.ts:5:9)',
        '    at helper (/home/me/project/dags/lib/db.ts:12:3)',
      ].join('\n'),
    );
  });

  it('prefixes a cause that is not a stack with the error name once', () => {
    expect(errorLogText('NonRetryableError', 'the file is empty')).toBe('NonRetryableError: the file is empty');
    expect(errorLogText('NonRetryableError', 'NonRetryableError: the file is empty')).toBe(
      'NonRetryableError: the file is empty',
    );
  });
});

describe('ownRootsOf', () => {
  it("finds the package's code folders from the sources and from the build", () => {
    const roots = ['/pkg/lib/', '/pkg/dist/', '/pkg/bin/'];
    expect(ownRootsOf('/pkg/lib/runtime/')).toEqual(roots);
    expect(ownRootsOf('/pkg/dist/lib/runtime')).toEqual(roots);
  });
});
