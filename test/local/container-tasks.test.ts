import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { Clock } from '../../lib/local/clock.ts';
import { localRunProblems } from '../../lib/local/container-tasks.ts';
import type { ExecutionEvent } from '../../lib/local/interpreter.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';
import withContainer from '../fixtures/local-engine/with_container.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * `container` tasks run an image of the author's own on ECS Fargate; the local engine runs task code, not
 * images. `airstep run` and `backfill` refuse such a DAG before anything runs or is written, naming the file,
 * DAG, task and field and saying how to test it; `--task-regex` can leave the task out.
 */
const FILE = 'test/fixtures/local-engine/with_container.ts';
const MESSAGE =
  'container tasks run their image on ECS Fargate, which the local engine cannot do (image public.ecr.aws/acme/publish:2); ' +
  'test it on the deployed stack (airstep sync, then airstep trigger with_container), or leave it out of a local run with --task-regex';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let cwd: string;
const airstep = (...args: string[]) =>
  new Promise<Run>((done) => {
    execFile(
      process.execPath,
      [resolve('bin/airstep.js'), ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => done({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });

beforeAll(async () => {
  // Its own working directory, so the local store (.airstep/) it may write is this test's alone.
  cwd = await mkdtemp(join(tmpdir(), 'airstep-container-'));
});
afterAll(async () => {
  if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
});

describe('Local engine: container tasks', () => {
  it('names each container task at its image, with how to test it', () => {
    const problems = localRunProblems(compileDag(withContainer).ir, FILE);

    expect(problems.map(formatProblem)).toEqual([`${FILE} › dag with_container › task publish › image: ${MESSAGE}`]);
  });

  it('fails a container task at once, without its retries, when a library caller runs the DAG anyway', async () => {
    const events: ExecutionEvent[] = [];
    const { execution, tasks } = await runDagLocally({
      dag: withContainer,
      ctx: manualContext(withContainer),
      clock: new Clock({ speed: 50 }),
      onEvent: (event) => events.push(event),
    });

    expect(execution.status).toBe('FAILED');
    const byId = new Map(tasks.map((task) => [task.taskId, [task.state, task.error]]));
    expect(byId.get('extract')).toEqual(['success', undefined]);
    expect(byId.get('publish')).toEqual(['failed', 'NonRetryableError']);
    // Scheduled once, failed once with the reason: its `retries: 2` were not spent on a try that cannot work.
    const publish = events.filter((event) => event.stateName === 'publish');
    expect(publish.filter((event) => event.type === 'TaskScheduled')).toHaveLength(1);
    expect(publish.filter((event) => event.type === 'TaskFailed').map((event) => event.cause)).toEqual([
      MESSAGE.replace(' (image public.ecr.aws/acme/publish:2)', ''),
    ]);
  });

  it('airstep run refuses the DAG before it runs (exit 2, nothing written) and runs it without the task', async () => {
    const file = resolve(FILE);
    const refused = await airstep('run', file);

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`› dag with_container › task publish › image: ${MESSAGE}`);
    expect(refused.stdout).toBe('');
    expect(existsSync(join(cwd, '.airstep'))).toBe(false);

    const partial = await airstep('run', file, '--task-regex', '^extract$');

    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toMatch(/extract\s+success/);
    expect(existsSync(join(cwd, '.airstep'))).toBe(true);
  });
});
