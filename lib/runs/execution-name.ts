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

/**
 * The execution name of a run's `attempt`-th clear (`airstep clear --stack`): the run's execution name plus
 * `__clear<attempt>`, the run's part cut (and hashed as `executionName` does) so the whole stays within 80
 * characters. Deterministic, so a repeated request for the same clear of a run cannot start a second execution
 * (ExecutionAlreadyExists); attempt 0 is the run's first execution, whose name never changes.
 */
export function clearExecutionName(runId: string, attempt: number): string {
  const first = executionName(runId);
  if (attempt === 0) return first;
  const suffix = `__clear${attempt}`;
  if (first.length + suffix.length <= 80) return `${first}${suffix}`;
  let hash = 0x811c9dc5;
  for (const char of runId) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  const hashed = `_${hash.toString(16).padStart(8, '0')}`;
  return `${first.slice(0, 80 - suffix.length - hashed.length)}${hashed}${suffix}`;
}
