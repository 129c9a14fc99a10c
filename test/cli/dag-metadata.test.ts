import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import documented from '../fixtures/options/documented.ts';

const run = promisify(execFile);
const FILE = 'test/fixtures/options/documented.ts';
const airstep = async (...args: string[]) =>
  (await run(process.execPath, ['bin/airstep.js', ...args], { env: { ...process.env, NO_COLOR: '1' } })).stdout;

/**
 * The descriptive options (`doc`, `description`, `owner`, `tags`, a param's `description`) do nothing to a run;
 * their doc comments promise where they are shown. Each place is checked here.
 */
describe('Descriptive options are shown where their docs say', () => {
  it('a task doc is the Comment of its first state (the Step Functions console shows it); the DAG description is the state machine Comment', () => {
    const { definition } = compileDag(documented);
    const asl = definition!;
    expect(asl.Comment).toBe('Airstep DAG documented: Loads the daily orders');
    const commented = Object.entries(asl.States).filter(([, state]) => state.Comment !== undefined);
    expect(commented.map(([, state]) => state.Comment)).toEqual(['Copies the orders table']);
  });

  it('the manifest carries the DAG, group and task docs, the owner and tags, and each param description in its schema', () => {
    const manifest = compileDag(documented).manifest!;
    expect(manifest.doc).toBe("# Orders\nLoads yesterday's orders into the warehouse.");
    expect(manifest.taskGroups).toEqual([{ id: 'load', doc: 'Loading steps' }]);
    expect(manifest.tasks.map((task) => [task.id, task.doc])).toEqual([['load.orders', 'Copies the orders table']]);
    expect([manifest.owner, manifest.tags]).toEqual(['data-platform', ['daily', 'orders']]);
    expect(manifest.paramsSchema).toMatchObject({ properties: { region: { description: 'Which region to load' } } });
  });

  it('`airstep graph` prints the DAG doc and each task doc beside the task; DOT output carries them as tooltips', async () => {
    const [text, dot] = await Promise.all([airstep('graph', FILE), airstep('graph', FILE, '--format', 'dot')]);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'documented  (manual)',
      '  Orders',
      'load.orders (code)  — Copies the orders table',
    ]);
    expect(dot).toContain('tooltip="Loading steps";');
    expect(dot).toContain('"load.orders" [tooltip="Copies the orders table"];');
  });

  it('`airstep list --json` shows owner, description, tags and the params with their descriptions', async () => {
    const listed = JSON.parse(await airstep('list', FILE, '--json')) as { dags: Array<Record<string, unknown>> };
    expect(listed.dags[0]).toMatchObject({
      dagId: 'documented',
      owner: 'data-platform',
      description: 'Loads the daily orders',
      tags: ['daily', 'orders'],
      params: { region: { type: 'string', default: 'eu', description: 'Which region to load' } },
      // The DAG doc, and each task with its doc (what `airstep ui` shows).
      doc: "# Orders\nLoads yesterday's orders into the warehouse.",
      graph: {
        tasks: [expect.objectContaining({ id: 'load.orders', groups: ['load'], doc: 'Copies the orders table' })],
      },
    });
  });

  it('`airstep list --json` gives each task its place in the graph and the options a person looks for', async () => {
    const listed = JSON.parse(await airstep('list', 'test/fixtures/dag-sync/containers.ts', '--json')) as {
      dags: Array<{ graph: { tasks: Array<Record<string, unknown>> } }>;
    };
    expect(listed.dags[0]!.graph.tasks).toEqual([
      expect.objectContaining({ id: 'features', kind: 'code', compute: 'fargate', size: { cpu: 1024, memory: 2048 } }),
      expect.objectContaining({
        id: 'score',
        kind: 'container',
        compute: 'fargate',
        size: { cpu: 512, memory: 4096 },
        upstream: ['features'],
        triggerRule: 'all_success',
      }),
    ]);
  });
});
