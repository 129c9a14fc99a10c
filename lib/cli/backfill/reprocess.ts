/**
 * What a backfill does with an interval whose run already exists: Airflow 3's `reprocess_behavior`
 * (`airflow backfill create --reprocess-behavior`, default `none`), the same locally and in the cloud.
 * - `none`: a run that exists is left as it is, whatever its state;
 * - `failed`: a run that ended without success (failed, interrupted) runs again under the same run id;
 * - `completed`: any ended run runs again, successful ones too.
 * A run still queued or running is never touched, whatever the choice (as Airflow).
 */
export type ReprocessBehavior = 'none' | 'failed' | 'completed';

export const REPROCESS_BEHAVIORS: readonly ReprocessBehavior[] = ['none', 'failed', 'completed'];

/** Airflow 3's default: an existing run is never created again. */
export const DEFAULT_REPROCESS: ReprocessBehavior = 'none';

/** Why a backfill leaves an interval alone; shown beside the run in the summary. */
export type SkipNote =
  | 'already succeeded'
  | 'already failed'
  | 'already interrupted'
  | 'already queued'
  | 'running'
  | 'state unknown';

export type BackfillDecision =
  | { readonly action: 'run'; readonly rerun: boolean }
  | { readonly action: 'skip'; readonly note: SkipNote };

/** The state a run of the interval has now, if any (`unknown` for a record Airstep cannot read). */
export type ExistingRunState = 'queued' | 'running' | 'success' | 'failed' | 'interrupted' | 'unknown';

/** Whether the backfill runs the interval (again, with `rerun`) or skips it, and why. */
export function backfillDecision(
  existing: ExistingRunState | undefined,
  reprocess: ReprocessBehavior,
): BackfillDecision {
  if (existing === undefined) return { action: 'run', rerun: false };
  switch (existing) {
    case 'queued':
      return { action: 'skip', note: 'already queued' };
    case 'running':
      return { action: 'skip', note: 'running' };
    case 'unknown':
      return { action: 'skip', note: 'state unknown' };
    case 'success':
      return reprocess === 'completed' ? { action: 'run', rerun: true } : { action: 'skip', note: 'already succeeded' };
    case 'failed':
    case 'interrupted':
      return reprocess === 'none'
        ? { action: 'skip', note: existing === 'failed' ? 'already failed' : 'already interrupted' }
        : { action: 'run', rerun: true };
  }
}

/** `--reprocess` as typed, or a message naming the choices. */
export function readReprocess(
  text: string | undefined,
): { ok: true; value: ReprocessBehavior } | { ok: false; message: string } {
  if (text === undefined) return { ok: true, value: DEFAULT_REPROCESS };
  if ((REPROCESS_BEHAVIORS as readonly string[]).includes(text)) return { ok: true, value: text as ReprocessBehavior };
  return { ok: false, message: `--reprocess: '${text}' is not one of ${REPROCESS_BEHAVIORS.join(', ')}` };
}
