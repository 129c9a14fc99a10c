import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  DAG_IMPORT_LIMIT_MS,
  IMPORT_LIMIT_ENV,
  ImportExitError,
  ImportTimeoutError,
  importLimitMs,
} from '../../lib/runtime/import-limit.ts';
import { childExecArgv } from '../../lib/runtime/typescript-loader.ts';

const FIXTURES = 'test/runtime/fixtures';

interface Probe {
  readonly code: number | null;
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: string;
}

/**
 * Runs the probe in a process of its own (the watchdog terminates JavaScript on a process's main thread, which
 * must not be the test runner's): each module is imported in turn, `name@ms` with a limit of `ms`.
 */
function probe(...modules: string[]): Promise<Probe> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...childExecArgv(true), `${FIXTURES}/import-probe.ts`, ...modules.map((module) => `${FIXTURES}/${module}`)],
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : (error.code as number | null),
          lines: stdout
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>),
          stderr,
        }),
    );
  });
}

describe('Function: importWithinLimit', () => {
  it('ends a module that loops at import as a timeout, and the process imports the next module normally', async () => {
    // Prepare / Act: a loop never finishes, so the outcome does not depend on how fast the machine is; the
    // module after it has the default (10 s) limit.
    const { code, lines } = await probe('loops.mjs@300', 'fine.mjs');

    // Assess
    expect(lines).toEqual([
      {
        file: `${FIXTURES}/loops.mjs`,
        ok: false,
        name: 'ImportTimeoutError',
        message: 'did not finish importing within 0.3 s (a loop or an endless wait at import?)',
      },
      { file: `${FIXTURES}/fine.mjs`, ok: true, exports: ['answer', 'default'] },
      { abandoned: 1 },
    ]);
    expect(code).toBe(0);
  });

  it('ends a module that waits forever at import, and its timer does not keep the process alive', async () => {
    const { code, lines } = await probe('waits.mjs@300', 'fine.mjs');

    expect(lines).toEqual([
      {
        file: `${FIXTURES}/waits.mjs`,
        ok: false,
        name: 'ImportTimeoutError',
        message: 'did not finish importing within 0.3 s (a loop or an endless wait at import?)',
      },
      { file: `${FIXTURES}/fine.mjs`, ok: true, exports: ['answer', 'default'] },
      { abandoned: 1 },
    ]);
    expect(code).toBe(0);
  });

  it('turns process.exit at import into an ImportExitError; the process goes on', async () => {
    const { code, lines } = await probe('exits.mjs', 'fine.mjs');

    expect(lines).toEqual([
      {
        file: `${FIXTURES}/exits.mjs`,
        ok: false,
        name: 'ImportExitError',
        message: 'called process.exit(3) at import',
      },
      { file: `${FIXTURES}/fine.mjs`, ok: true, exports: ['answer', 'default'] },
      { abandoned: 0 },
    ]);
    expect(code).toBe(0);
  });

  it('takes several stuck modules in a row, each ended alone', async () => {
    const { code, lines } = await probe('loops.mjs@300', 'waits.mjs@300', 'fine.mjs');

    expect(lines.map((line) => line.name ?? line.ok ?? line.abandoned)).toEqual([
      'ImportTimeoutError',
      'ImportTimeoutError',
      true,
      2,
    ]);
    expect(code).toBe(0);
  });
});

describe('Function: importLimitMs', () => {
  it(`is 10 s, or ${IMPORT_LIMIT_ENV} seconds when that is a number > 0`, () => {
    expect(DAG_IMPORT_LIMIT_MS).toBe(10_000);
    expect(importLimitMs({})).toBe(10_000);
    expect(importLimitMs({ [IMPORT_LIMIT_ENV]: '2.5' })).toBe(2_500);
    expect(importLimitMs({ [IMPORT_LIMIT_ENV]: '0' })).toBe(10_000);
    expect(importLimitMs({ [IMPORT_LIMIT_ENV]: 'soon' })).toBe(10_000);
  });

  it('names its errors for the user', () => {
    expect(new ImportTimeoutError(10_000).message).toBe(
      'did not finish importing within 10 s (a loop or an endless wait at import?)',
    );
    expect(new ImportExitError(0).message).toBe('called process.exit(0) at import');
    expect(new ImportExitError(undefined).message).toBe('called process.exit() at import');
  });
});
