import { type CronSchedule, parseCron } from './cron-parse.ts';
import { PRESET_NAMES, PRESETS } from './presets.ts';
import { looksLikeRate, parseRate } from './rate.ts';

/** What a schedule string means. */
export type ParsedSchedule =
  | { readonly kind: 'manual' }
  | { readonly kind: 'once' }
  | { readonly kind: 'cron'; readonly cron: CronSchedule }
  | { readonly kind: 'rate'; readonly everyMs: number };

/** Reads a schedule option; the error is a whole sentence that quotes it. */
export function parseSchedule(schedule: unknown): { schedule: ParsedSchedule } | { error: string } {
  if (schedule === null || schedule === undefined) return { schedule: { kind: 'manual' } };
  if (typeof schedule !== 'string') {
    return { error: `schedule must be a cron expression, a preset, a rate or null, got ${JSON.stringify(schedule)}` };
  }
  const text = schedule.trim();
  const quoted = `schedule '${schedule}'`;
  if (text === '') return { error: `${quoted} is empty; use null for a DAG that only runs when triggered` };
  if (text.startsWith('@')) {
    const preset = PRESETS[text.toLowerCase()];
    if (preset === undefined) return { error: `${quoted} is not a preset (${PRESET_NAMES.join(', ')})` };
    if (preset === '@once') return { schedule: { kind: 'once' } };
    return cronSchedule(preset, quoted);
  }
  if (/^cron\(/i.test(text)) {
    return {
      error: `${quoted} is EventBridge's 6-field form; write the 5-field cron (minute hour day-of-month month day-of-week), Airstep translates it`,
    };
  }
  if (looksLikeRate(text)) {
    const rate = parseRate(text);
    return 'error' in rate
      ? { error: `${quoted} ${rate.error}` }
      : { schedule: { kind: 'rate', everyMs: rate.everyMs } };
  }
  return cronSchedule(text, quoted);
}

function cronSchedule(text: string, quoted: string): { schedule: ParsedSchedule } | { error: string } {
  const parsed = parseCron(text);
  return 'error' in parsed
    ? { error: `${quoted}: ${parsed.error}` }
    : { schedule: { kind: 'cron', cron: parsed.cron } };
}
