/**
 * A local worker process: loads one DAG file, then runs task tries (and callbacks) sent over IPC with the shared
 * task runner.
 * If a task kills this process (process.exit, an uncaught exception, running out of memory), only this try
 * fails; the engine starts a fresh worker.
 */
import { pathToFileURL } from 'node:url';
import type { CallbackMessage, TaskMessage, WorkerTask } from '../compiler/worker-contract.ts';
import { runCallback } from '../runtime/run-callback.ts';
import { runTaskTry } from '../runtime/task-runner.ts';
import { collectDags } from '../sdk/dag.ts';
import { LiveLines } from './live-lines.ts';
import { localSecretSources } from './local-secrets.ts';
import { LocalXComStore } from './local-xcom-store.ts';

type Request = RunRequest | { type: 'callback'; id: number; message: CallbackMessage; timeLimitMs?: number };

type RunRequest = {
  type: 'run';
  id: number;
  message: TaskMessage;
  /** The task's compiled facts (the manifest's), sent with each try: the DAG module is read only for its code. */
  task: WorkerTask | undefined;
  heartbeatEveryMs?: number;
  xcomRoot?: string;
};

const [file, dagId] = process.argv.slice(2);
const module = (await import(pathToFileURL(file!).href)) as Record<string, unknown>;
const dag = collectDags(module).find((candidate) => candidate.id === dagId);
if (dag === undefined) {
  console.error(`worker: ${file} has no DAG '${dagId}'`);
  process.exit(70);
}

process.on('message', async (request: Request) => {
  if (request.type === 'callback') {
    const logs: string[] = [];
    const result = await runCallback(dag, request.message, {
      log: (line) => logs.push(line),
      secrets: localSecretSources(),
      ...(request.timeLimitMs !== undefined ? { timeLimitMs: request.timeLimitMs } : {}),
    });
    process.send?.({ type: 'callback-done', id: request.id, result, logs });
    return;
  }
  if (request.type !== 'run') return;
  const lines = new LiveLines((batch) => process.send?.({ type: 'log', id: request.id, lines: batch }));
  const outcome = await runTaskTry(dag, request.task, request.message, {
    log: (line) => lines.add(line),
    // The project's environment, secrets file and config (this process runs in the project's directory).
    secrets: localSecretSources(),
    ...(request.xcomRoot !== undefined ? { xcom: { store: new LocalXComStore(request.xcomRoot) } } : {}),
    ...(request.heartbeatEveryMs !== undefined
      ? {
          heartbeat: {
            everyMs: request.heartbeatEveryMs,
            send: () => process.send?.({ type: 'heartbeat', id: request.id }),
          },
        }
      : {}),
  });
  // The lines went ahead of the answer on the same channel (in order), so the engine has them all by now.
  lines.flush();
  process.send?.({ type: 'result', id: request.id, outcome, logs: [] });
});
process.send?.({ type: 'ready' });
