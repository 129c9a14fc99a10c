import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UiActionAnswer } from '../../web/api.ts';
import type { CliProcess } from './cli-process.ts';

/** Waits for the command's end: what it printed, or its refusal (exit code other than 0). */
export async function ended(command: CliProcess): Promise<UiActionAnswer> {
  const code = await command.exited;
  return code === 0
    ? { ok: true, output: command.output() }
    : { ok: false, error: command.errors().trim() || command.output().trim() };
}

/**
 * Waits for the command's first line `<dag> › <run id>` (a local `run` or `clear` started the run, and goes on
 * running it), or its end (it refused).
 */
export async function started(command: CliProcess, dagId: string): Promise<UiActionAnswer> {
  const header = await command.printed(new RegExp(`^${escapeRegExp(dagId)} › (\\S+)`, 'm'));
  if (header !== undefined) return { ok: true, runId: header[1]!, output: command.output() };
  return { ok: false, error: command.errors().trim() || command.output().trim() || 'the command ended without a run' };
}

/**
 * `--conf`'s value: the JSON itself, or `@file` for a conf too long for one command-line argument (128 KiB), a file
 * removed once the command has ended.
 */
export async function confArgument(
  conf: Record<string, unknown>,
): Promise<{ argument: string; remove: () => Promise<void> }> {
  const text = JSON.stringify(conf);
  if (text.length < 100_000) return { argument: text, remove: async () => undefined };
  const folder = await mkdtemp(join(tmpdir(), 'airstep-ui-conf-'));
  await writeFile(join(folder, 'conf.json'), text);
  return { argument: `@${join(folder, 'conf.json')}`, remove: () => rm(folder, { recursive: true, force: true }) };
}

/** `--task`'s pattern naming exactly one task. */
export function exactTask(taskId: string): string {
  return `^${escapeRegExp(taskId)}$`;
}

/** `airstep mark`'s instance argument: `task` or `task[index]`. */
export function instanceArgument(taskId: string, mapIndex: number): string {
  return mapIndex >= 0 ? `${taskId}[${mapIndex}]` : taskId;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
