import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { compileDag } from '../compiler/compile-dag.ts';
import { bundleDagFile } from '../dag-sync/bundle-dag-file.ts';
import { formatProblem } from '../sdk/errors.ts';
import { dagFilesUnder, loadDagFile } from './load-dags.ts';
import { colours, EXIT, printJson } from './output.ts';

interface SyncOptions {
  bucket: string;
  prefix: string;
  root: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `airstep sync [paths…] --bucket B`: validates DAG files, bundles each with its helper modules (esbuild; the
 * SDK and the AWS SDK stay imports) and uploads it to `s3://B/dags/<path>.mjs`, where the stack's dag-sync picks
 * it up. A file with problems is reported and not uploaded. Exit 0 when every file went up, 1 otherwise.
 */
export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description("bundle DAG files with their helpers and upload them to the stack's bucket")
    .argument('[paths...]', 'DAG files or folders', ['dags'])
    .requiredOption('--bucket <name>', 'the Airstep bucket (stack output)')
    .option('--prefix <prefix>', 'where DAG files live in the bucket', 'dags/')
    .option('--root <dir>', 'the local DAG folder the uploaded paths are relative to', 'dags')
    .option('--dry-run', 'validate and bundle, upload nothing')
    .option('--json', 'print one JSON document')
    .action(async (paths: string[], options: SyncOptions) => {
      process.exitCode = await sync(paths, options);
    });
}

async function sync(paths: string[], options: SyncOptions): Promise<number> {
  const c = colours();
  const files = (await Promise.all(paths.map((path) => dagFilesUnder(path)))).flat();
  const results: Array<{ file: string; key?: string; bytes?: number; problems: string[] }> = [];
  const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
  for (const path of files) {
    const loaded = await loadDagFile(path);
    const problems = [
      ...loaded.errors.map((e) => `${e.file}${e.line !== undefined ? `:${e.line}` : ''} › ${e.message}`),
      ...loaded.dags.flatMap((dag) => compileDag(dag, { file: loaded.file }).problems.map(formatProblem)),
    ];
    if (problems.length > 0) {
      results.push({ file: loaded.file, problems });
      continue;
    }
    const bundle = await bundleDagFile(path);
    const key = `${options.prefix}${relative(resolve(options.root), resolve(path))
      .split('\\')
      .join('/')
      .replace(/\.[^./]+$/, '')}.mjs`;
    if (options.dryRun !== true) {
      await s3.send(
        new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: bundle, ContentType: 'text/javascript' }),
      );
    }
    results.push({ file: loaded.file, key, bytes: Buffer.byteLength(bundle), problems: [] });
  }
  const ok = results.every((result) => result.problems.length === 0);
  if (options.json === true) printJson({ ok, bucket: options.bucket, files: results });
  else {
    for (const result of results) {
      if (result.problems.length === 0) {
        console.log(
          `${c.green('✓')} ${result.file} → s3://${options.bucket}/${result.key} ${c.dim(`(${result.bytes} bytes)`)}`,
        );
      } else {
        console.log(`${c.red('✗')} ${result.file} ${c.dim('(not uploaded)')}`);
        for (const problem of result.problems) console.log(`    ${problem}`);
      }
    }
  }
  return ok ? EXIT.ok : EXIT.problems;
}
