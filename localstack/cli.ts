import { type EmulatorKind, startEmulator } from '../lib/emulator/launcher.ts';
import { ensureEmulatorVenv } from '../lib/emulator/venv.ts';

/**
 * `npm run emulator -- install` installs the pinned emulators into `.venv`;
 * `npm run emulator -- start [ministack|moto] [--port N]` runs one in the foreground until Ctrl-C.
 */
const [command = 'start', kindArg = 'ministack', ...rest] = process.argv.slice(2);
const log = (line: string) => console.error(line);

if (command === 'install') {
  await ensureEmulatorVenv(log);
  console.log('emulators installed in .venv');
} else if (command === 'start') {
  if (kindArg !== 'ministack' && kindArg !== 'moto') {
    console.error(`unknown emulator '${kindArg}' (choose ministack or moto)`);
    process.exit(2);
  }
  const portIndex = rest.indexOf('--port');
  const port = portIndex >= 0 ? Number(rest[portIndex + 1]) : 4566;
  const emulator = await startEmulator(kindArg as EmulatorKind, { port, log });
  console.log(`${emulator.kind} ready on ${emulator.endpoint} (Ctrl-C to stop)`);
  console.log(
    `export AWS_ENDPOINT_URL=${emulator.endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
  );
  const stop = async () => {
    await emulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  console.error('usage: npm run emulator -- install | start [ministack|moto] [--port N]');
  process.exit(2);
}
