/**
 * The Step Functions execution name of a run: its run id with the characters execution names forbid (anything
 * but letters, digits, `-` and `_`) replaced, at most 80 characters. The same run id always gives the same name,
 * so StartExecution refuses a second start of one run (ExecutionAlreadyExists) — a duplicate trigger starts
 * nothing.
 */
export function executionName(runId: string): string {
  const name = runId.replace(/[^A-Za-z0-9_-]/g, '_');
  if (name.length <= 80) return name;
  // Long run ids keep their start and a hash of the whole, still deterministic.
  let hash = 0x811c9dc5;
  for (const char of runId) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return `${name.slice(0, 71)}_${hash.toString(16).padStart(8, '0')}`;
}
