import { useState } from 'preact/hooks';

/** A task instance's or run's state as a coloured word (colours in app.css, one per state). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

/**
 * A button for an action that changes something (trigger, clear, pause): the first click asks, the second does it,
 * and the CLI's answer (its refusal, or what it started) is shown beside it.
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  run: () => Promise<{ ok: boolean; error?: string }>;
  done?: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const act = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const answer = await props.run();
      if (!answer.ok) setMessage(answer.error ?? 'refused');
      else props.done?.();
    } catch (failure) {
      setMessage((failure as Error).message);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <span class="confirm">
      {asking ? (
        <>
          <span class="question">{props.question}</span>
          <button type="button" class="danger" disabled={busy} onClick={act}>
            Confirm
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" disabled={busy} onClick={() => setAsking(true)}>
          {props.label}
        </button>
      )}
      {message !== undefined && (
        <span class="refusal" role="alert">
          {message}
        </span>
      )}
    </span>
  );
}

/** A time as the viewer's local date and time, seconds included. */
export function when(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${Math.round(seconds % 60)}s` : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/**
 * A schedule in words for the common shapes (presets, a daily or hourly cron), else the expression itself; a DAG
 * scheduled on assets says its condition (`on assets: a & (b | c)`, after its time schedule when it has both).
 */
export function scheduleText(expression: string | null, timezone: string, assets?: string): string {
  const timed = timeScheduleText(expression, timezone);
  if (assets === undefined) return timed ?? 'manual only';
  return timed === undefined ? `on assets: ${assets}` : `${timed} or on assets: ${assets}`;
}

function timeScheduleText(expression: string | null, timezone: string): string | undefined {
  if (expression === null) return undefined;
  const presets: Record<string, string> = {
    '@hourly': 'every hour',
    '@daily': 'every day at 00:00',
    '@weekly': 'every Sunday at 00:00',
    '@monthly': 'on the 1st of every month at 00:00',
    '@yearly': 'every 1 January at 00:00',
    '@once': 'once',
  };
  const zone = timezone === 'UTC' ? 'UTC' : timezone;
  if (presets[expression] !== undefined) return `${presets[expression]} (${zone})`;
  const daily = /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(expression);
  if (daily !== null) return `every day at ${daily[2]!.padStart(2, '0')}:${daily[1]!.padStart(2, '0')} (${zone})`;
  const hourly = /^(\d{1,2}) \* \* \* \*$/.exec(expression);
  if (hourly !== null) return `every hour at :${hourly[1]!.padStart(2, '0')} (${zone})`;
  return `${expression} (${zone})`;
}
