import type { Command } from 'commander';
import type { TaskIR } from '../compiler/ir.ts';
import { awsSdkImportsOf } from '../local/aws-sdk-imports.ts';
import { configuredAws } from '../local/configured-aws.ts';
import { awsUseOf, type EmulatorChoice, wantsEmbeddedAws } from '../local/local-aws.ts';
import { EmbeddedAws } from './embedded-aws.ts';
import { colours } from './output.ts';

/** `--emulator` / `--no-emulator` (neither: start it when the DAG uses AWS and none is configured). */
export function emulatorOptions(command: Command): Command {
  return command
    .option('--emulator', 'start the embedded AWS emulator even when AWS is configured (local runs)')
    .option('--no-emulator', 'never start the embedded AWS emulator (local runs)');
}

/** Where a run command's emulator lines go: dimmed on stdout, or on stderr when stdout carries `--json`. */
export function emulatorLines(json: boolean | undefined): (line: string) => void {
  const c = colours();
  return (line) => (json === true ? console.error(line) : console.log(c.dim(line)));
}

/**
 * The embedded emulator for one command that runs task code locally (`run`, `clear`, `backfill`, `dev`), decided
 * in two steps: from the DAG files' imports before any worker process starts (workers inherit the environment they
 * start with), then from the compiled tasks' native steps, which the engine calls itself. See local-aws.ts.
 */
export class RunAws {
  private aws: EmbeddedAws | undefined;
  /** When starting began (at reserve), for the time the line reports. */
  private startedAt = 0;
  private uses: string[] = [];

  constructor(
    private readonly choice: EmulatorChoice,
    private readonly storeRoot: string,
    /** Where the emulator's own lines go (its first-time install takes ~30 s and says so). */
    private readonly log: (line: string) => void,
  ) {}

  /** Before workers start: reserves (and begins starting) the emulator when the files' code imports the AWS SDK. */
  async beforeWorkers(...files: string[]): Promise<void> {
    if (this.choice === false) return;
    const imports = await Promise.all(files.map((file) => awsSdkImportsOf(file)));
    this.uses = awsUseOf([...new Set(imports.flat())].sort());
    if (wantsEmbeddedAws(this.choice, this.uses, configuredAws())) await this.reserve();
  }

  /**
   * Before the run: also when only the compiled DAG's native steps need AWS; waits until the emulator is ready and
   * says so in one line (nothing when no emulator runs). Throws EmulatorSetupError.
   */
  async beforeRun(tasks: readonly TaskIR[]): Promise<void> {
    if (this.aws === undefined) {
      const uses = awsUseOf([], tasks);
      if (this.choice === false || !wantsEmbeddedAws(this.choice, uses, configuredAws())) return;
      this.uses = uses;
      await this.reserve();
    }
    await this.aws!.start();
    const why =
      this.choice === true
        ? '--emulator'
        : `no AWS endpoint or credentials are configured and it uses ${this.uses.join(', ')}`;
    this.log(
      `started MiniStack on ${this.aws!.endpoint} in ${Date.now() - this.startedAt} ms for this run (${why}); ` +
        `its state is kept in ${this.storeRoot}/emulator/ (--no-emulator turns this off)`,
    );
  }

  /** Both steps at once, for commands that start no worker early (`clear`, `backfill`). */
  async prepare(file: string, tasks: readonly TaskIR[]): Promise<void> {
    await this.beforeWorkers(file);
    return this.beforeRun(tasks);
  }

  async stop(): Promise<void> {
    await this.aws?.stop();
  }

  private async reserve(): Promise<void> {
    this.startedAt = Date.now();
    this.aws = await EmbeddedAws.reserve(this.storeRoot, this.log);
    // Starting (~1 s) overlaps with loading and compiling the DAG; beforeRun waits for it (and sees its failure).
    this.aws.start().catch(() => undefined);
  }
}
