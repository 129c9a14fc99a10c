import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCompiledDags } from '../../lib/dag-sync/check-compiled-dag.ts';
import { evaluatorOf } from '../../lib/dag-sync/dag-evaluator.ts';
import { evaluateDagSource } from '../../lib/dag-sync/evaluate-dag-source.ts';
import { BUNDLE_ROOT } from '../../lib/runtime/dag-bundle.ts';

/** The evaluating child runs from source here, as in the dag-sync tests (tsx stands in for Node 24's type stripping). */
const evaluator = { module: resolve('lib/dag-sync/dag-evaluator-main.ts'), execArgv: ['--import', 'tsx/esm'] };

const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIAEVALUATORPROBE',
  AWS_SECRET_ACCESS_KEY: 'secret-evaluator-probe',
  AWS_SESSION_TOKEN: 'token-evaluator-probe',
  AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/creds',
};
const saved = Object.fromEntries(Object.keys(CREDENTIALS).map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A DAG file (JavaScript, as dag-sync writes it) under the bundle folder, where dag-sync puts the files it evaluates. */
async function dagFile(name: string, lines: string[]): Promise<string> {
  const folder = join(BUNDLE_ROOT, 'sources', 'evaluator-test');
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${name}.mjs`);
  await writeFile(file, lines.join('\n'));
  return file;
}

/** A DAG file that reports, in its description, the environment it was imported with. */
const probeFile = () =>
  dagFile('env_probe', [
    "import { dag } from 'airstep';",
    'const d = dag({ id: "env_probe", description: JSON.stringify(Object.keys(process.env).sort()) });',
    "d.task('t', async () => 1);",
    'export default d;',
  ]);

describe('Function: evaluateDagSource', () => {
  it('imports a DAG file without the caller’s AWS credentials or Lambda runtime address in its environment', async () => {
    Object.assign(process.env, CREDENTIALS);
    const evaluation = await evaluateDagSource(await probeFile(), evaluator);

    expect(evaluation.ok).toBe(true);
    if (!evaluation.ok) return;
    const seen = JSON.parse(evaluation.dags[0]!.ir.description!) as string[];
    for (const name of Object.keys(CREDENTIALS)) expect(seen).not.toContain(name);
    expect(seen).toContain('AIRSTEP_EVALUATE');
    expect(seen.filter((name) => name.startsWith('AWS_') && name !== 'AWS_REGION')).toEqual([]);
  });

  it("answers a split DAG's children beside its parent, as compact JSON that dag-sync's check passes", async () => {
    // 700 independent tasks: one definition would be over 85% of 1 MiB.
    const file = await dagFile('big_fan', [
      "import { dag } from 'airstep';",
      'const d = dag({ id: "big_fan" });',
      "const start = d.task('start', async () => 1);",
      "const end = d.task('end', async () => 2);",
      "for (let i = 0; i < 700; i++) d.task(`t${String(i).padStart(4, '0')}`, async () => i).after(start).then(end);",
      'export default d;',
    ]);
    const evaluation = await evaluateDagSource(file, evaluator, { timeoutMs: 120_000 });
    expect(evaluation.ok).toBe(true);
    if (!evaluation.ok) return;
    const [big] = evaluation.dags;
    const children = big!.children ?? [];
    expect(children.length).toBeGreaterThanOrEqual(2);
    expect(children.map((child) => child.name)).toEqual(
      children.map((_, i) => `part-${String(i + 1).padStart(2, '0')}`),
    );
    for (const child of children) {
      expect(child.asl).not.toContain('\n');
      expect(JSON.parse(child.asl).States).toBeDefined();
    }
    expect(
      checkCompiledDags(evaluation.dags, {
        queueUrls: [],
      }),
    ).toEqual([]);
  });
});

/**
 * The evaluator Lambda's bundle as the construct builds it (one ES module, the AWS SDK left as imports; here resolved from
 * the project's node_modules, on Lambda from the runtime's), evaluating as it does on AWS: under the permission
 * model.
 */
let bundled: { module: string; sandboxed?: boolean };
beforeAll(async () => {
  const folder = resolve('node_modules/.cache/airstep-evaluator-test');
  await mkdir(folder, { recursive: true });
  const module = join(folder, 'index.mjs');
  await build({
    entryPoints: ['lambdas/dag-evaluator/index.ts'],
    outfile: module,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*', 'esbuild'],
    banner: {
      js: "import { createRequire as __airstepRequire } from 'module'; const require = __airstepRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  bundled = evaluatorOf(`file://${module}`);
});
describe('Function: evaluateDagSource, from the evaluator Lambda bundle', () => {
  it('evaluates a DAG file under the permission model', async () => {
    expect(bundled.sandboxed).toBe(true);
    const good = await dagFile('sandboxed_good', [
      "import { dag } from 'airstep';",
      "import { S3Client } from '@aws-sdk/client-s3';",
      'const d = dag({ id: "sandboxed_good", description: typeof S3Client });',
      "d.task('t', async () => 1);",
      'export default d;',
    ]);
    const evaluation = await evaluateDagSource(good, bundled);
    expect(evaluation).toMatchObject({ ok: true, dags: [{ dagId: 'sandboxed_good', problems: [] }] });
    if (evaluation.ok) expect(evaluation.dags[0]!.ir.description).toBe('function');
  });
  it('evaluates an awsSdk step whose command class the DAG file imports from the AWS SDK (left an import by the bundle)', async () => {
    const file = await dagFile('sandboxed_aws_sdk', [
      "import { dag } from 'airstep';",
      "import { StartQueryExecutionCommand } from '@aws-sdk/client-athena';",
      'const d = dag({ id: "sandboxed_aws_sdk" });',
      "d.awsSdk('q', StartQueryExecutionCommand, { QueryString: 'SELECT {{ ds }}' }, { sync: true });",
      'export default d;',
    ]);
    const evaluation = await evaluateDagSource(file, bundled);
    expect(evaluation).toMatchObject({ ok: true, dags: [{ dagId: 'sandboxed_aws_sdk', problems: [] }] });
    if (!evaluation.ok) return;
    expect(JSON.parse(evaluation.dags[0]!.asl!).States.q).toMatchObject({
      Resource: 'arn:aws:states:::athena:startQueryExecution.sync',
      Parameters: { 'QueryString.$': "States.Format('SELECT {}', $.ctx.ds)" },
    });
  });
  it('keeps DAG code from the parent’s environment, the shim other files import, and other processes', async () => {
    const shim = join(BUNDLE_ROOT, 'node_modules', 'airstep', 'index.mjs');
    const hostile = await dagFile('sandboxed_hostile', [
      "import { dag } from 'airstep';",
      "import { readFileSync, writeFileSync } from 'node:fs';",
      "import { execSync } from 'node:child_process';",
      'const attempt = (what) => { try { what(); return "done"; } catch (error) { return error.code ?? error.message; } };',
      'const tried = {',
      '  readParentEnvironment: attempt(() => readFileSync(`/proc/${process.ppid}/environ`)),',
      `  overwriteShim: attempt(() => writeFileSync(${JSON.stringify(shim)}, "export {}")),`,
      '  startProcess: attempt(() => execSync("true")),',
      '};',
      'const d = dag({ id: "sandboxed_hostile", description: JSON.stringify(tried) });',
      "d.task('t', async () => 1);",
      'export default d;',
    ]);
    const shimBefore = await readFile(shim, 'utf8').catch(() => undefined);
    const evaluation = await evaluateDagSource(hostile, bundled);
    expect(evaluation.ok).toBe(true);
    if (!evaluation.ok) return;
    expect(JSON.parse(evaluation.dags[0]!.ir.description!)).toEqual({
      readParentEnvironment: 'ERR_ACCESS_DENIED',
      overwriteShim: 'ERR_ACCESS_DENIED',
      startProcess: 'ERR_ACCESS_DENIED',
    });
    expect(await readFile(shim, 'utf8')).toBe(shimBefore);
  });
});

describe('Function: evaluateDagSource, a DAG file that answers for the evaluator', () => {
  /** A DAG file that, at import, writes to the descriptor the evaluator answers on, then runs `after`. */
  const answering = (name: string, write: string, after = 'process.exit(0);') =>
    dagFile(name, [
      "import { writeSync } from 'node:fs';",
      "import { dag } from 'airstep';",
      `${write};`,
      after,
      `export default dag({ id: ${JSON.stringify(name)} });`,
    ]);

  it('is an import error when it writes garbage where the answer goes', async () => {
    const file = await answering(
      'answers_garbage',
      'writeSync(3, Buffer.from([0, 0, 0, 8, 0xff, 0x0f, 0x6f, 0x22, 1, 2]))',
    );
    expect(await evaluateDagSource(file, evaluator)).toEqual({
      ok: false,
      error: 'the evaluating process answered something that is not JSON (10 characters)',
    });
  });
  it('is an import error when it writes half an answer and exits', async () => {
    const file = await answering('answers_half', `writeSync(3, '{"ok":true,"dags":[{"dagId":"x"')`);
    const evaluation = await evaluateDagSource(file, evaluator);
    expect(evaluation).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the evaluating process answered something that is not JSON/),
    });
  });
  it('is an import error when its answer is JSON of the wrong shape, naming the field', async () => {
    const forged = { ok: true, dags: [{ dagId: '../../other', ir: {}, problems: [] }] };
    const file = await answering('answers_malformed', `writeSync(3, ${JSON.stringify(JSON.stringify(forged))})`);
    expect(await evaluateDagSource(file, evaluator)).toEqual({
      ok: false,
      error:
        'the evaluating process answered a malformed result (dags.0.dagId: Invalid string: must match pattern /^[A-Za-z0-9_-]{1,64}$/)',
    });
  });
  it('is an import error, and the process is ended, when it answers without end', async () => {
    const file = await answering(
      'answers_flood',
      'const chunk = Buffer.alloc(65536, 120)',
      'for (;;) writeSync(3, chunk);',
    );
    expect(await evaluateDagSource(file, evaluator, { maxResultBytes: 1024 * 1024 })).toEqual({
      ok: false,
      error: 'the evaluating process answered more than 1048576 bytes',
    });
  });
  it('is an import error when it calls process.send, or exits before any answer', async () => {
    const send = await answering('answers_ipc', 'process.send({ ok: true, dags: [] })', '');
    expect(await evaluateDagSource(send, evaluator)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^import failed: process\.send is not a function/),
    });
    const exits = await answering('exits_early', 'void 0', 'process.exit(0);');
    expect(await evaluateDagSource(exits, evaluator)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^import ended the evaluating process \(exit code 0\)/),
    });
  });
});
