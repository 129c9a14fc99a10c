import type { Command } from 'commander';
import { colours, EXIT } from './output.ts';
import { refuser } from './run-input.ts';
import { LocalUiSource } from './ui/local-ui-source.ts';
import { startUiServer } from './ui/ui-server.ts';

type UiOptions = { port?: string };

/**
 * `airstep ui [paths…] [--port n]`: a web UI for the DAGs under the paths (default `dags/`) and their local runs,
 * served on 127.0.0.1 (a free port unless `--port`) until Ctrl-C. It prints the address to open, which carries a
 * token made for this start; it opens no browser by itself. Reads go through the ports `runs`, `tasks` and `logs`
 * use; actions run the CLI's own commands (lib/cli/ui/).
 */
export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description(
      'serve a web UI for the DAGs and their runs on 127.0.0.1 (grid, task instances, logs, trigger, clear, pause)',
    )
    .argument('[paths...]', 'DAG files or folders (default: dags)')
    .option('--port <n>', 'the port to listen on (default: a free one)')
    .action(async (paths: string[], options: UiOptions) => {
      process.exitCode = await serveUi(paths.length > 0 ? paths : ['dags'], options);
    });
}

async function serveUi(paths: string[], options: UiOptions): Promise<number> {
  const refuse = refuser(false, colours(process.stderr).red);
  const port = options.port !== undefined ? Number(options.port) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    return refuse(`--port must be a whole number from 1 to 65535, got '${options.port}'`);
  }
  const source = new LocalUiSource(process.cwd(), paths);
  let ui: Awaited<ReturnType<typeof startUiServer>>;
  try {
    ui = await startUiServer(source, port !== undefined ? { port } : {});
  } catch (error) {
    return refuse(`cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`);
  }
  console.log(`Airstep UI for ${paths.join(', ')}: ${ui.url}`);
  console.log(colours().dim('open it in a browser; Ctrl-C stops the server'));
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await ui.close();
  return EXIT.ok;
}
