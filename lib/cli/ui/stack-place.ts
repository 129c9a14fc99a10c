import { resolve } from 'node:path';
import type { UiActionAnswer, UiImportError } from '../../web/api.ts';
import { type CloudStack, type CloudStackOptions, resolveCloudStack } from '../cloud-stack.ts';
import { openRunHistory } from '../history/open-run-history.ts';
import { openTaskLogSource } from '../history/open-task-log-source.ts';
import type { RunHistory } from '../history/run-history.ts';
import type { TaskLogSource } from '../history/task-log-source.ts';
import type { Checked } from '../run-input.ts';
import { confArgument, ended, exactTask, instanceArgument } from './cli-answers.ts';
import { runCli } from './cli-process.ts';
import type { ListedDag, ListedDags, UiPlace } from './ui-place.ts';

/**
 * How long a listing of the deployed DAGs is answered from memory: the page asks every 2 s and a view asks for
 * the DAG on each of its calls; one Scan of the dags table (and a Query per DAG) per second is plenty.
 */
const LIST_FRESH_MS = 1_000;

/**
 * A deployed stack (`airstep ui --stack S` / `--outputs F`): DAGs as `airstep list --stack --json` reads them, runs
 * and task instances through the CLI's `CloudRunHistory` (tables, and execution histories for a running run's
 * steps), tries' logs from the worker log groups in CloudWatch, and every action as the CLI command with the same
 * `--stack` / `--outputs`. The AWS credentials stay in this process and its commands; the page never sees them.
 */
export class StackPlace implements UiPlace {
  readonly name: string;
  private listed: { at: number; answer: Promise<ListedDags> } | undefined;

  private constructor(
    private readonly cwd: string,
    private readonly stack: CloudStack,
    /** `--stack S` and/or `--outputs F`, as each command is given them. */
    private readonly stackArgs: readonly string[],
    private readonly runHistory: RunHistory,
    private readonly taskLogs: TaskLogSource,
  ) {
    this.name = stack.source;
  }

  /** The stack the options name, or why it cannot be used (no such stack, no outputs file, an output missing). */
  static async open(cwd: string, options: CloudStackOptions): Promise<Checked<StackPlace>> {
    const stack = await resolveCloudStack(options);
    if (!stack.ok) return stack;
    const [history, logs] = await Promise.all([openRunHistory(options), openTaskLogSource(options)]);
    if (!history.ok) return history;
    if (!logs.ok) return logs;
    const args = [
      ...(options.stack !== undefined ? ['--stack', options.stack] : []),
      ...(options.outputs !== undefined ? ['--outputs', resolve(cwd, options.outputs)] : []),
    ];
    return { ok: true, value: new StackPlace(cwd, stack.value, args, history.value, logs.value) };
  }

  async history(): Promise<RunHistory> {
    return this.runHistory;
  }

  async logs(): Promise<TaskLogSource> {
    return this.taskLogs;
  }

  /** The deployed DAGs whose file is still there (a deleted file's DAG is disabled: no runs start), at most a second old. */
  listDags(): Promise<ListedDags> {
    const now = Date.now();
    if (this.listed === undefined || now - this.listed.at > LIST_FRESH_MS) {
      const answer = this.readListing();
      this.listed = { at: now, answer };
      answer.catch(() => {
        if (this.listed?.answer === answer) this.listed = undefined;
      });
    }
    return this.listed.answer;
  }

  private async readListing(): Promise<ListedDags> {
    // The SDK clients load only when the UI serves a deployed stack.
    const [{ dynamoClient }, { S3Client }, { readDeployedDags }] = await Promise.all([
      import('../../dynamo/dag-record.ts'),
      import('@aws-sdk/client-s3'),
      import('../deployed-dags.ts'),
    ]);
    const { dags, importErrors } = await readDeployedDags(
      this.stack,
      { dynamo: dynamoClient(), s3: new S3Client({}) },
      new Date(),
    );
    return {
      // A deployed DAG has every field of a listed one (and more, which the page does not read).
      dags: dags.filter((dag) => !dag.disabled),
      importErrors: importErrors.flatMap((error): UiImportError[] =>
        (error.errors.length > 0 ? error.errors : ['the file failed to import']).map((message) => ({
          file: error.file,
          // dag-sync's messages start with the file, which the page shows beside them.
          message: message.startsWith(`${error.file} › `) ? message.slice(error.file.length + 3) : message,
        })),
      ),
    };
  }

  /**
   * `airstep trigger <dag> --json [--conf] [--date]`: the stack's trigger function decides (params, maxActiveRuns,
   * duplicates, pause) and the answer names the run it started or queued, or why it made none.
   */
  async trigger(
    dag: ListedDag,
    request: { conf?: Record<string, unknown>; logicalDate?: string },
  ): Promise<UiActionAnswer> {
    const args = ['trigger', dag.dagId, '--json'];
    if (request.logicalDate !== undefined && request.logicalDate !== '') args.push('--date', request.logicalDate);
    const conf =
      request.conf !== undefined && Object.keys(request.conf).length > 0 ? await confArgument(request.conf) : undefined;
    if (conf !== undefined) args.push('--conf', conf.argument);
    const command = this.command(args);
    await command.exited;
    if (conf !== undefined) await conf.remove();
    return triggerAnswer(command.output(), command.errors());
  }

  /** `airstep clear <run> --dag <id> [--task ^id$] [--downstream] --no-wait`: answers once the new execution started. */
  async clear(
    dagId: string,
    runId: string,
    request: { taskId?: string; downstream?: boolean },
  ): Promise<UiActionAnswer> {
    const args = ['clear', runId, '--dag', dagId, '--no-wait'];
    if (request.taskId !== undefined) args.push('--task', exactTask(request.taskId));
    if (request.downstream === true) args.push('--downstream');
    const answer = await ended(this.command(args));
    return answer.ok ? { ...answer, runId } : answer;
  }

  async mark(
    dagId: string,
    runId: string,
    request: { taskId: string; mapIndex: number; state: 'success' | 'failed' },
  ): Promise<UiActionAnswer> {
    const instance = instanceArgument(request.taskId, request.mapIndex);
    return ended(this.command(['mark', runId, instance, request.state, '--dag', dagId]));
  }

  async pause(dagId: string, paused: boolean): Promise<UiActionAnswer> {
    const answer = await ended(this.command([paused ? 'pause' : 'unpause', dagId]));
    this.listed = undefined;
    return answer;
  }

  private command(args: readonly string[]) {
    return runCli(this.cwd, [...args, ...this.stackArgs]);
  }
}

/** What `airstep trigger --json` printed, as the page's answer: the run it made, or the trigger's reason for none. */
function triggerAnswer(output: string, errors: string): UiActionAnswer {
  let result: {
    outcome?: string;
    runId?: string;
    problems?: string[];
    reason?: string;
    error?: string;
  };
  try {
    result = JSON.parse(output) as typeof result;
  } catch {
    return { ok: false, error: errors.trim() || output.trim() || 'airstep trigger printed no answer' };
  }
  switch (result.outcome) {
    case 'started':
    case 'queued':
    case 'duplicate':
      return { ok: true, ...(result.runId !== undefined ? { runId: result.runId } : {}), output };
    case 'refused':
      return { ok: false, error: (result.problems ?? []).join('; ') || 'the trigger refused the run' };
    case 'paused':
      return { ok: false, error: 'the DAG is paused: no run created (unpause it first)' };
    case 'skipped':
      return { ok: false, error: result.reason ?? 'the trigger skipped the run' };
    default:
      return { ok: false, error: result.error ?? (errors.trim() || 'airstep trigger failed') };
  }
}
