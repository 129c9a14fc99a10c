import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { DagDefinitionError, dag, type TaskContext, type TaskRef } from '../../lib/index.ts';
import { noop } from './dag-edges.ts';

/**
 * Type-level checks run under `tsc --noEmit` (part of `npm test`): an `@ts-expect-error` line that compiles fails
 * the type check, so each marks a mistake the editor catches. Task functions here are never called.
 */
describe('Typed params', () => {
  const d = dag({
    id: 'typed_params',
    params: {
      env: { type: 'string', enum: ['dev', 'prod'], default: 'dev' },
      limit: { type: 'integer', default: 100 },
      dryRun: { type: 'boolean', default: false },
      tables: { type: 'array', items: 'string', default: [] },
      options: { type: 'object', default: {} },
      label: { type: 'string' },
    },
  });

  it('types ctx.params from the schema: enums as unions, numbers, booleans, lists, objects', () => {
    d.task('typed', async (ctx) => {
      expectTypeOf(ctx.params.env).toEqualTypeOf<'dev' | 'prod'>();
      expectTypeOf(ctx.params.limit).toEqualTypeOf<number>();
      expectTypeOf(ctx.params.dryRun).toEqualTypeOf<boolean>();
      expectTypeOf(ctx.params.tables).toEqualTypeOf<unknown[]>();
      expectTypeOf(ctx.params.options).toEqualTypeOf<Record<string, unknown>>();
      expectTypeOf(ctx.params.label).toEqualTypeOf<string>();
      // Readonly: params are the run's, not the task's to change.
      expectTypeOf(ctx.params).toEqualTypeOf<
        Readonly<{
          env: 'dev' | 'prod';
          limit: number;
          dryRun: boolean;
          tables: unknown[];
          options: Record<string, unknown>;
          label: string;
        }>
      >();
      return null;
    });
    expect(Object.keys(compileDag(d).ir.params)).toEqual(['dryRun', 'env', 'label', 'limit', 'options', 'tables']);
  });

  it('catches wrong uses of params at edit time', () => {
    d.task('mistakes', async (ctx) => {
      // @ts-expect-error: limit is a number
      ctx.params.limit.toUpperCase();
      // @ts-expect-error: 'staging' is not one of the enum values
      const isStaging = ctx.params.env === 'staging';
      // @ts-expect-error: no param named 'limt'
      const typo = ctx.params.limt;
      return [isStaging, typo];
    });
    expect(compileDag(d).problems).toEqual([]);
  });

  it('gives a DAG without params an empty params type', () => {
    const plain = dag({ id: 'no_params' });
    plain.task('a', async (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<Record<never, never>>();
      // @ts-expect-error: this DAG declares no params
      return ctx.params.anything;
    });
    expect(compileDag(plain).problems).toEqual([]);
  });
});

describe('Typed results and inputs', () => {
  it("types a task's result from its function and each input from its upstream task", () => {
    const d = dag({ id: 'typed_inputs' });
    const rows = d.task('extract', async () => [{ id: 1, name: 'a' }]);
    const count = d.task('count', () => 42);
    expectTypeOf(rows).toEqualTypeOf<TaskRef<{ id: number; name: string }[]>>();
    expectTypeOf(count).toEqualTypeOf<TaskRef<number>>();

    d.task('load', { inputs: { rows, count } }, async (ctx, inputs) => {
      expectTypeOf(ctx).toEqualTypeOf<TaskContext<Record<never, never>>>();
      expectTypeOf(inputs.rows).toEqualTypeOf<{ id: number; name: string }[]>();
      expectTypeOf(inputs.count).toEqualTypeOf<number>();
      // @ts-expect-error: count is a number, not a list
      inputs.count.map((value: unknown) => value);
      // @ts-expect-error: only declared inputs exist
      return inputs.missing;
    });
    const each = d.expand('each', { over: rows }, async (_ctx, item) => {
      expectTypeOf(item).toEqualTypeOf<{ id: number; name: string }>();
      return item.id;
    });
    expectTypeOf(each).toEqualTypeOf<TaskRef<number[]>>();
    // @ts-expect-error: expand maps over a list, and count's result is a number
    d.expand('bad_over', { over: count }, noop);
  });
});

describe('Awaiting a task', () => {
  it('is a type error, and refused at run time naming the task', async () => {
    const d = dag({ id: 'awaited' });
    const extract = d.task('extract', async () => [1, 2, 3]);
    const attempt = async () => {
      // @ts-expect-error: TS1320, a task is not a promise; its result reaches downstream tasks as an input
      await extract;
    };
    const error = await attempt().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(DagDefinitionError);
    expect(error).toMatchObject({
      code: 'DAG_DEFINITION',
      message:
        "task 'extract' was awaited or resolved as a promise; tasks are not values (pass them as inputs instead)",
      location: { taskId: 'extract', field: 'then' },
    });
    await expect(Promise.resolve(extract)).rejects.toBeInstanceOf(DagDefinitionError);
  });

  it('points its stack at the line that declared the task (how validate finds the line)', async () => {
    const d = dag({ id: 'awaited_line' });
    const extract = d.task('extract', noop); // declared here
    const error = await Promise.resolve(extract).then(
      () => undefined,
      (failure: Error) => failure,
    );
    const file = fileURLToPath(import.meta.url);
    const line =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((text) => text.endsWith('// declared here')) + 1;
    expect(error?.stack?.split('\n')[1]).toBe(`    at ${file}:${line}`);
  });

  it('a task group is refused the same way', async () => {
    const d = dag({ id: 'awaited_group' });
    const group = d.group('load', (g) => {
      g.task('orders', noop);
    });
    await expect(Promise.resolve(group)).rejects.toThrow("task group 'load' was awaited or resolved as a promise");
  });
});
