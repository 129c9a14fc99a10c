import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import type { TriggerEvent, TriggerResult } from '../runs/trigger-run.ts';
import { unknownConfKeysWarning } from '../runtime/unknown-conf-keys.ts';
import { cloudStackOptions, resolveCloudStack } from './cloud-stack.ts';
import { executionConsoleUrl, withConsoleUrl } from './console-url.ts';
import { colours, EXIT, printJson } from './output.ts';
import { readConf, refuser } from './run-input.ts';

interface TriggerOptions {
  conf?: string;
  date?: string;
  force?: boolean;
  stack?: string;
  outputs?: string;
  json?: boolean;
}

/**
 * `airstep trigger <dag>`: starts a run of a deployed DAG by invoking the stack's trigger Lambda with a `manual`
 * event, the same function the schedules invoke, so params checks, run ids, `maxActiveRuns` and duplicates are
 * decided in one place; a paused DAG is refused there unless `--force`. Exit 0 when the run started, was queued
 * or already existed; 2 when it was refused or the input is bad (nothing invoked); 1 when the function could not
 * be invoked or failed.
 */
export function registerTriggerCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('trigger')
      .description("start a run of a deployed DAG (invokes the stack's trigger Lambda; default --stack AirstepStack)")
      .argument('<dag>', 'DAG id')
      .option('--conf <json>', 'run conf: JSON object or @file.json (checked against the DAG params)')
      .option('--date <iso>', 'logical date (default: now)')
      .option('--force', 'start the run even if the DAG is paused'),
  )
    .option('--json', 'print one JSON document')
    .action(async (dagId: string, options: TriggerOptions) => {
      process.exitCode = await trigger(dagId, options);
    });
}

async function trigger(dagId: string, options: TriggerOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  const conf = await readConf(options.conf);
  if (!conf.ok) return refuse(conf.message);
  const at = options.date !== undefined ? new Date(options.date) : undefined;
  if (at !== undefined && Number.isNaN(at.getTime())) {
    return refuse(`--date: '${options.date}' is not an ISO 8601 date or date-time`);
  }
  // Without --stack or --outputs there is nothing local to trigger: the default stack is looked up.
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuse(stack.message);

  const event: TriggerEvent = {
    kind: 'manual',
    dagId,
    ...(options.conf !== undefined ? { conf: conf.value } : {}),
    ...(at !== undefined ? { logicalDate: at.toISOString() } : {}),
    ...(options.force === true ? { force: true } : {}),
  };
  const invoked = await invokeTrigger(stack.value.triggerFunction, event);
  if (!invoked.ok) {
    if (options.json === true) printJson({ ok: false, dagId, error: invoked.message });
    else console.error(colours(process.stderr).red(invoked.message));
    return EXIT.problems;
  }
  const result = invoked.value;
  const code = result.outcome === 'refused' ? EXIT.usage : EXIT.ok;
  if (options.json === true) {
    printJson(withConsoleUrl({ dagId, ...result }));
    return code;
  }
  const c = colours();
  if ((result.outcome === 'started' || result.outcome === 'queued') && result.confNotParams !== undefined) {
    console.error(colours(process.stderr).yellow(unknownConfKeysWarning(dagId, result.confNotParams)));
  }
  switch (result.outcome) {
    case 'started':
      console.log(`${c.green('started')} ${dagId} › ${result.runId}`);
      console.log(`  execution ${result.executionArn}`);
      printConsoleLine(result.executionArn);
      break;
    case 'duplicate':
      console.log(
        `${c.yellow('duplicate')} ${dagId} › ${result.runId} already exists (${result.state}); nothing started`,
      );
      if (result.executionArn !== undefined) {
        console.log(`  execution ${result.executionArn}`);
        printConsoleLine(result.executionArn);
      }
      break;
    case 'queued':
      console.log(
        `${c.yellow('queued')} ${dagId} › ${result.runId}: ${result.activeRuns} run(s) active (maxActiveRuns); ` +
          'it starts when one ends',
      );
      break;
    case 'refused': {
      const e = colours(process.stderr);
      console.error(e.red(`refused ${dagId}: no run created`));
      for (const problem of result.problems) console.error(e.red(`  ${problem}`));
      break;
    }
    case 'skipped':
      console.log(`${c.dim('skipped')} ${dagId}: ${result.reason}`);
      break;
    case 'paused':
      console.log(`${c.dim('paused')} ${dagId}: no run created`);
      break;
  }
  return code;
}

/** `  console <url>`: the execution's Step Functions console page. */
function printConsoleLine(executionArn: string): void {
  const url = executionConsoleUrl(executionArn);
  if (url !== undefined) console.log(`  console ${url}`);
}

/** RequestResponse Invoke of the trigger function; its answer, or why there is none. */
export async function invokeTrigger(
  functionName: string,
  event: TriggerEvent,
): Promise<{ ok: true; value: TriggerResult } | { ok: false; message: string }> {
  let answer: InvokeCommandOutput;
  const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
  try {
    answer = await new LambdaClient({}).send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
  } catch (error) {
    return {
      ok: false,
      message: `cannot invoke ${functionName}: ${(error as Error).name}: ${(error as Error).message}`,
    };
  }
  const text = answer.Payload !== undefined ? new TextDecoder().decode(answer.Payload) : '';
  if (answer.FunctionError !== undefined) {
    const failure = parseJson(text) as { errorType?: string; errorMessage?: string } | undefined;
    const reason =
      failure?.errorMessage !== undefined ? `${failure.errorType ?? 'Error'}: ${failure.errorMessage}` : text;
    return { ok: false, message: `${functionName} failed (${answer.FunctionError}): ${reason}` };
  }
  const result = parseJson(text) as TriggerResult | undefined;
  if (typeof result?.outcome !== 'string') {
    return { ok: false, message: `${functionName} answered something that is not a trigger result: ${text}` };
  }
  return { ok: true, value: result };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
