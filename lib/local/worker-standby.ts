/**
 * The entry of a local worker process (see ProcessWorkerPool). Started before its DAG is known (`airstep run`
 * starts one while it is still loading the DAG itself), it pays Node's start-up, the TypeScript loader, the task
 * runner and the DAG file's import, says `standby`, and waits for the DAG id; then it becomes the worker proper
 * (worker-process), which finds the DAG file already imported. Started with the DAG id (`<file> <dagId>`, as a
 * pool starts its own), it goes straight on.
 */
import { pathToFileURL } from 'node:url';
import '../runtime/task-runner.ts';
import './local-xcom-store.ts';
import { dieWithParent } from './parent-watchdog.ts';

// Before the DAG file is imported: its top level may already spin. A killed engine leaves no worker behind.
dieWithParent();
// Ctrl-C reaches every process of the terminal's group: the engine decides what stops (it records the run
// interrupted and stops its workers), so a worker does not die under a try it is still answering for.
process.on('SIGINT', () => undefined);

const [file, given] = process.argv.slice(2);
const told =
  given !== undefined
    ? undefined
    : new Promise<string>((resolve) => {
        const listener = (message: { type?: string; dagId?: string }) => {
          if (message?.type !== 'dag' || typeof message.dagId !== 'string') return;
          process.off('message', listener);
          resolve(message.dagId);
        };
        process.on('message', listener);
      });
// A file that fails to import fails again in worker-process, which reports it the way it always has.
await import(pathToFileURL(file!).href).catch(() => undefined);
if (told !== undefined) {
  process.send?.({ type: 'standby' });
  process.argv.splice(3, 0, await told);
}
await import('./worker-process.ts');
