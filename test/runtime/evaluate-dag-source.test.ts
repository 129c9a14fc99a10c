import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_ROOT } from '../../lib/runtime/dag-bundle.ts';
import { evaluateDagSource } from '../../lib/runtime/evaluate-dag-source.ts';

/** The evaluating child runs from source here, as in the dag-sync tests (tsx stands in for Node 24's type stripping). */
const evaluator = { module: resolve('lib/runtime/dag-evaluator-main.ts'), execArgv: ['--import', 'tsx/esm'] };

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

/** A DAG file that reports, in its description, the environment it was imported with. */
async function probeFile(): Promise<string> {
  const folder = join(BUNDLE_ROOT, 'sources', 'evaluator-env-probe');
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'probe.mjs');
  await writeFile(
    file,
    [
      "import { dag } from 'airstep';",
      'const d = dag({ id: "env_probe", description: JSON.stringify(Object.keys(process.env).sort()) });',
      "d.task('t', async () => 1);",
      'export default d;',
    ].join('\n'),
  );
  return file;
}

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
  }, 30_000);
});
