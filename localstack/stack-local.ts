/**
 * `npm run stack:local [-- --json] [-- --extra <path>]`: the synthesized template deployed to MiniStack with
 * `cdk bootstrap` and `cdk deploy`, every handler an emulator Lambda (see deployed-stack.ts and
 * stack-local-run.ts): upload `dags/` as `airstep sync` bundles it (and `--extra` files), wait until the dag-sync
 * Lambda has registered every DAG, trigger the medallion DAG through the trigger Lambda, wait until the recorder
 * Lambda has recorded its end, and print a summary.
 */
import { dagFilesUnder } from '../lib/cli/load-dags.ts';
import { runStackLocal } from './stack-local-run.ts';

const json = process.argv.includes('--json');
const extraIndex = process.argv.indexOf('--extra');
const extra = extraIndex >= 0 ? process.argv[extraIndex + 1] : undefined;
const say = (line: string) => {
  if (!json) console.log(line);
};

const { stack, summary } = await runStackLocal({
  extra: extra !== undefined ? await dagFilesUnder(extra) : [],
  log: say,
});
try {
  if (json) console.log(JSON.stringify(summary, null, 2));
  else {
    say(
      `handlers: ${Object.entries(summary.handlers)
        .map(([name, how]) => `${name} ${how}`)
        .join(', ')}`,
    );
    say(
      `run ${summary.run.state} in ${summary.triggerToEndSeconds} s: ${summary.run.tasks.map((t) => `${t.key} ${t.state}`).join(', ')}`,
    );
    say(
      `upload → runnable: ${summary.uploadToRunnableSeconds.max} s for all ${summary.dagsRegistered.length} DAGs (${summary.uploadToRunnableSeconds.perDag} s per DAG)`,
    );
    for (const output of summary.outputs) say(`  ${output}`);
  }
  process.exitCode = summary.run.state === 'success' ? 0 : 1;
} finally {
  await stack.stop();
}
