/**
 * A file of the local store that cannot be read as what it should be (empty, cut short, not JSON, the wrong shape,
 * a directory where a file belongs). The store skips it and every other run stays usable; the person is told once
 * per process, in one line with the path, so a command that reads the store several times (recovering interrupted
 * runs, then listing them) does not repeat itself, and no stack trace hides the path.
 */
const reported = new Set<string>();

/** Tells once, on stderr, that `path` was skipped and why. */
export function reportUnreadableStoreFile(path: string, reason: string): void {
  if (reported.has(path)) return;
  reported.add(path);
  process.stderr.write(`airstep: skipped ${path}: ${reason}\n`);
}

/** Why reading or parsing a store file failed, in a few words (the error's own first line, no stack). */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EISDIR') return 'a directory where a file belongs';
  if (code === 'ENOTDIR') return 'a file where a directory belongs';
  if (error instanceof SyntaxError) return `not valid JSON (${error.message.split('\n')[0]})`;
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? 'unreadable';
}
