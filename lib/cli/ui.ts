import type { Command } from 'commander';
import { type CloudStackOptions, cloudStackOptions, wantsCloud } from './cloud-stack.ts';
import { colours, EXIT } from './output.ts';
import { refuser } from './run-input.ts';
import { LocalPlace } from './ui/local-place.ts';
import { StackPlace } from './ui/stack-place.ts';
import type { UiPlace } from './ui/ui-place.ts';
import { startUiServer } from './ui/ui-server.ts';
import { UiSource } from './ui/ui-source.ts';

type UiOptions = CloudStackOptions & { port?: string };

/**
 * `airstep ui [paths…] [--port n] [--stack S | --outputs F]`: a web UI for the DAGs under the paths (default
 * `dags/`) and their local runs, or with `--stack` / `--outputs` for the deployed stack's DAGs and runs, served on
 * 127.0.0.1 (a free port unless `--port`) until Ctrl-C. It prints the address to open, which carries a token made
 * for this start; it opens no browser by itself. Reads go through the ports `list`, `runs`, `tasks` and `logs` use;
 * actions run the CLI's own commands (lib/cli/ui/).
 */
export function registerUiCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('ui')
      .description(
        'serve a web UI for the DAGs and their runs on 127.0.0.1 (grid, graph, Gantt, logs, trigger, clear, pause), local or of the deployed stack',
      )
      .argument('[paths...]', 'DAG files or folders (default: dags)'),
  )
    .option('--port <n>', 'the port to listen on (default: a free one)')
    .action(async (paths: string[], options: UiOptions) => {
      process.exitCode = await serveUi(paths, options);
    });
}

async function serveUi(paths: string[], options: UiOptions): Promise<number> {
  const refuse = refuser(false, colours(process.stderr).red);
  const port = options.port !== undefined ? Number(options.port) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    return refuse(`--port must be a whole number from 1 to 65535, got '${options.port}'`);
  }
  let place: UiPlace;
  if (wantsCloud(options)) {
    if (paths.length > 0) {
      return refuse(`ui --stack / --outputs shows the deployed DAGs; it takes no paths (got ${paths.join(' ')})`);
    }
    const opened = await StackPlace.open(process.cwd(), options);
    if (!opened.ok) return refuse(opened.message);
    place = opened.value;
  } else {
    place = new LocalPlace(process.cwd(), paths.length > 0 ? paths : ['dags']);
  }
  let ui: Awaited<ReturnType<typeof startUiServer>>;
  try {
    ui = await startUiServer(new UiSource(place), port !== undefined ? { port } : {});
  } catch (error) {
    return refuse(`cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`);
  }
  const what = wantsCloud(options) ? place.name : (paths.length > 0 ? paths : ['dags']).join(', ');
  console.log(`Airstep UI for ${what}: ${ui.url}`);
  console.log(colours().dim('open it in a browser; Ctrl-C stops the server'));
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await ui.close();
  return EXIT.ok;
}
