import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, type RunningEmulator, startEmulator } from '../emulator/launcher.ts';

/**
 * The embedded MiniStack that `run`, `clear`, `backfill` and `dev` start when a DAG uses AWS and none is
 * configured (the decision is lib/local/local-aws.ts), and whose state `npm start` shares.
 */

/** Where the embedded emulator keeps its state between commands: `<store>/emulator/`. */
export function emulatorStateDir(storeRoot: string): string {
  return resolve(storeRoot, 'emulator');
}

/** MiniStack's settings to load its state from `dir` at start and save it there when stopped (S3 objects at once). */
export function emulatorStateEnv(dir: string): Record<string, string> {
  return { PERSIST_STATE: '1', STATE_DIR: join(dir, 'state'), S3_PERSIST: '1', S3_DATA_DIR: join(dir, 's3') };
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
          import('../local/example-buckets.ts'),
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
