import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TaskIR } from '../compiler/ir.ts';
import { freePort, type RunningEmulator, startEmulator } from '../emulator/launcher.ts';

/**
 * AWS for a local run when the user configured none. A DAG whose tasks talk to AWS (its code imports the AWS SDK,
 * or it has native S3 / DynamoDB / SQS / SNS / EventBridge / Lambda steps) cannot run on a machine with no AWS
 * endpoint and no credentials: every try would fail with `Region is missing` or a credentials error. There the
 * local engine starts the embedded emulator itself (MiniStack, as `npm start` does), keeping its state under
 * `.airstep/emulator/` so buckets, objects and tables outlive the run (a later `clear` of the run finds what its
 * kept tasks wrote), and creates the example buckets with their files when the project has `dags/_data/raw/`.
 *
 * Configured AWS always wins: an endpoint (`AWS_ENDPOINT_URL`), credentials in the environment, a profile or
 * shared config file, a web identity or container role. `--emulator` starts the emulator anyway and
 * `--no-emulator` never does.
 */

/** Where the embedded emulator keeps its state between commands: `<store>/emulator/`. */
export function emulatorStateDir(storeRoot: string): string {
  return resolve(storeRoot, 'emulator');
}

/** MiniStack's settings to load its state from `dir` at start and save it there when stopped (S3 objects at once). */
export function emulatorStateEnv(dir: string): Record<string, string> {
  return { PERSIST_STATE: '1', STATE_DIR: join(dir, 'state'), S3_PERSIST: '1', S3_DATA_DIR: join(dir, 's3') };
}

/** Why a DAG needs AWS: the SDK packages its code imports, and its steps that call AWS services themselves. */
export function awsUseOf(sdkImports: readonly string[], tasks: readonly TaskIR[] = []): string[] {
  const steps = tasks.filter((task) => task.kind === 'native' || task.kind === 'lambda_invoke').map((task) => task.id);
  return [
    ...sdkImports,
    ...(steps.length > 0 ? [`native step${steps.length > 1 ? 's' : ''} ${steps.slice(0, 3).join(', ')}`] : []),
  ];
}

export type EmulatorChoice = boolean | undefined;

/** Whether to start the embedded emulator: never with `--no-emulator`, always with `--emulator`, else when needed. */
export function wantsEmbeddedAws(
  choice: EmulatorChoice,
  uses: readonly string[],
  configured: string | undefined,
): boolean {
  if (choice !== undefined) return choice;
  return uses.length > 0 && configured === undefined;
}

/** The embedded emulator of one command: its port is chosen and the environment set before it is started. */
export class EmbeddedAws {
  private started: Promise<RunningEmulator> | undefined;

  private constructor(
    readonly endpoint: string,
    private readonly port: number,
    private readonly stateDir: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Picks the emulator's port and points this process's environment at it (endpoint, region, dummy credentials),
   * so the worker processes started from now on, and the engine's own native steps, use it.
   */
  static async reserve(storeRoot: string, log: (line: string) => void): Promise<EmbeddedAws> {
    const port = await freePort();
    const aws = new EmbeddedAws(`http://127.0.0.1:${port}`, port, emulatorStateDir(storeRoot), log);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    return aws;
  }

  /** Starts MiniStack (once) with its state under `<store>/emulator/`; seeds the example buckets when there is data. */
  start(): Promise<RunningEmulator> {
    this.started ??= (async () => {
      const emulator = await startEmulator('ministack', {
        port: this.port,
        log: this.log,
        env: emulatorStateEnv(this.stateDir),
      });
      const data = join('dags', '_data', 'raw');
      if (existsSync(data)) {
        const [{ S3Client }, { EXAMPLE_BUCKETS, seedExampleBuckets }] = await Promise.all([
          import('@aws-sdk/client-s3'),
          import('./example-buckets.ts'),
        ]);
        const s3 = new S3Client({ endpoint: this.endpoint, forcePathStyle: true, region: 'us-east-1' });
        const keys = await seedExampleBuckets(s3, data);
        this.log(`created ${Object.values(EXAMPLE_BUCKETS).join(', ')}; uploaded ${data}/ (${keys.length} files)`);
      }
      return emulator;
    })();
    return this.started;
  }

  /** Stops the emulator if it was started; it saves its state on the way out. */
  async stop(): Promise<void> {
    const started = this.started;
    if (started === undefined) return;
    await started.then(
      (emulator) => emulator.stop(),
      () => undefined,
    );
  }
}
