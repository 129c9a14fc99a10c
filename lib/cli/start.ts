import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { type RunningEmulator, startEmulator } from '../emulator/launcher.ts';
import { EXAMPLE_BUCKETS, seedExampleBuckets } from '../local/example-buckets.ts';
import { LocalStore } from '../local/local-store.ts';
import { loadProjectConfig } from '../local/project-config.ts';
import { runAndRecord } from '../local/record-run.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { killAllWorkers } from '../local/worker-pool.ts';
import { ParamsError, resolveParams } from '../runtime/params.ts';
import { manualRunContext } from '../runtime/run-context.ts';
import { formatProblem } from '../sdk/errors.ts';
import type { ParamSpec } from '../sdk/params.ts';
import { compileFiles } from './compile-files.ts';
import { emulatorStateDir, emulatorStateEnv } from './embedded-aws.ts';
import { LiveProgress } from './live-progress.ts';
import { colours, EXIT, printJson } from './output.ts';
import { renderText } from './render-graph.ts';
import { printRunEnd, runGrid, runOutcomeLine } from './run-output.ts';
import { listenForStops } from './stop-signals.ts';

export const MAIN_PIPELINE = 'dags/s3_medallion_ingestion.ts';

interface StartOptions {
  endpoint?: string;
  out: string;
  json?: boolean;
}

/**
 * `npm start`: the bundled medallion pipeline end to end on one machine. Starts the pinned S3 emulator (MiniStack,
 * from the project's `.venv`, no Docker) unless `--endpoint` names one, seeds the raw bucket with the example
 * files, runs the DAG in the local engine, copies what it wrote to `out/`, and stops the emulator.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the bundled medallion pipeline in the local engine against an S3 emulator')
    .option('--endpoint <url>', 'use this S3-compatible endpoint instead of starting MiniStack')
    .option('--out <dir>', 'where to copy the processed and analytics outputs', 'out')
    .option('--json', 'print one JSON document (the run, its task instances, the copied outputs); progress on stderr')
    .action(async (options: StartOptions) => {
      process.exitCode = await start(options);
    });
}

async function start(options: StartOptions): Promise<number> {
  const json = options.json === true;
  // With --json, stdout carries the one JSON document: progress goes to stderr, without colours.
  const c = colours(json ? process.stderr : process.stdout);
  const say = (line: string) => (json ? console.error(line) : console.log(line));
  const [file] = await compileFiles([MAIN_PIPELINE]);
  const compiled = file!.compiled[0];
  if (file!.problems.length > 0 || compiled === undefined || file!.loaded.dags[0] === undefined) {
    if (json) printJson({ ok: false, problems: file!.problems.map(formatProblem) });
    else for (const problem of file!.problems) console.error(formatProblem(problem));
    return EXIT.problems;
  }
  const dag = file!.loaded.dags[0];
  if (!json) process.stdout.write(renderText(compiled.ir));
  const stats = compiled.manifest!.stats;
  say(
    c.dim(
      `${compiled.ir.tasks.length} tasks -> ${stats.states} states, ${stats.transitions.total} transitions per run\n`,
    ),
  );

  let emulator: RunningEmulator | undefined;
  // As `airstep run`: the first SIGINT/SIGTERM kills the workers and ends the run interrupted (exit 130/143).
  const stops = listenForStops(killAllWorkers);
  try {
    let endpoint = options.endpoint;
    if (endpoint === undefined) {
      const began = performance.now();
      // Its state is kept where `airstep run` and `clear` keep theirs, so clearing this run later finds the
      // objects its kept tasks wrote.
      emulator = await startEmulator('ministack', {
        log: (line) => say(c.dim(line)),
        env: emulatorStateEnv(emulatorStateDir(new LocalStore().root)),
      });
      endpoint = emulator.endpoint;
      say(c.dim(`MiniStack ready on ${endpoint} in ${Math.round(performance.now() - began)} ms`));
      Object.assign(process.env, emulator.env);
    } else {
      process.env.AWS_ENDPOINT_URL = endpoint;
      process.env.AWS_REGION ??= 'us-east-1';
      process.env.AWS_ACCESS_KEY_ID ??= 'test';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    }
    // Loaded here, not at the top: every CLI command imports this module, and only `start` needs S3.
    const { S3Client } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint, forcePathStyle: true, region: process.env.AWS_REGION ?? 'us-east-1' });
    const seeded = await seedExampleBuckets(s3);
    say(c.dim(`seeded s3://${EXAMPLE_BUCKETS.raw}/ with ${seeded.join(', ')}\n`));

    const params = resolveParams(compiled.ir.params as Record<string, ParamSpec>, {});
    if (!params.ok) throw new ParamsError(params.problems);
    const ctx = manualRunContext({
      dagId: dag.id,
      timezone: compiled.ir.schedule.timezone,
      at: new Date(),
      params: params.params,
      conf: {},
    });
    say(c.bold(`${dag.id} › ${ctx.runId}`));
    const limits = new LocalLimits((await loadProjectConfig()).pools);
    const store = new LocalStore();
    await store.recoverInterrupted();
    const live = json ? undefined : new LiveProgress(c);
    const { run, tasks, execution } = await runAndRecord({
      dag,
      file: MAIN_PIPELINE,
      ctx,
      store,
      maxActiveTasks: compiled.ir.maxActiveTasks,
      limits,
      signal: stops.signal,
      ...(live !== undefined ? { onTaskChange: live.onTaskChange } : {}),
      ...(compiled.manifest !== undefined ? { manifest: compiled.manifest } : {}),
    });
    live?.stop();
    const copied = await copyOutputs(s3, [EXAMPLE_BUCKETS.processed, EXAMPLE_BUCKETS.analytics], options.out);
    if (json) {
      printRunEnd(c, { run, execution, tasks }, true, { outputs: copied });
      return stops.exitCode(run.state === 'success' ? EXIT.ok : EXIT.problems);
    }
    process.stdout.write(`\n${runGrid(c, tasks)}`);
    console.log(runOutcomeLine(c, run, execution));
    if (copied.length > 0) {
      console.log('\noutputs');
      for (const { uri, path } of copied) console.log(`  ${uri}\n    ${c.dim(`copied to ${path}`)}`);
    }
    console.log(c.dim(`\nrun record, task instances and logs: .airstep/ (airstep runs, airstep tasks ${run.runId})`));
    return stops.exitCode(run.state === 'success' ? EXIT.ok : EXIT.problems);
  } catch (error) {
    if (json) printJson({ ok: false, error: (error as Error).message });
    else console.error(c.red((error as Error).message));
    return stops.exitCode(EXIT.problems);
  } finally {
    stops.dispose();
    await emulator?.stop();
  }
}

/** Copies every object of the buckets to `<out>/<bucket>/<key>`, so the outputs outlive the emulator. */
async function copyOutputs(
  s3: S3Client,
  buckets: readonly string[],
  out: string,
): Promise<Array<{ uri: string; path: string }>> {
  const { GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const copied: Array<{ uri: string; path: string }> = [];
  for (const bucket of buckets) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const object of listed.Contents ?? []) {
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
      const path = join(out, bucket, object.Key!);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await body.Body!.transformToByteArray());
      copied.push({ uri: `s3://${bucket}/${object.Key}`, path });
    }
  }
  return copied;
}
