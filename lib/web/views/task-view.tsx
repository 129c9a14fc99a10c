import { useRef, useState } from 'preact/hooks';
import type { UiTask, UiTaskInstance, UiTryTimes } from '../api.ts';
import { api } from '../api-client.ts';
import { Markdown } from '../markdown.tsx';
import { ConfirmButton, duration, StateBadge, when } from '../parts.tsx';
import { href } from '../route.ts';
import { usePolled } from '../use-polled.ts';

/**
 * One task instance of a run: state, tries, times, error, result; each try with its state, times and error; its
 * options; the log of each try (polled, so a running try's log grows as the engine appends to it); a mapped task's
 * items; Clear (re-run it as Airflow's Clear does, the CLI's `clear`).
 */
export function TaskView(props: { dagId: string; runId: string; taskId: string; mapIndex: number }) {
  const { dagId, runId, taskId, mapIndex } = props;
  const { data, error, reload } = usePolled(`run:${dagId}:${runId}`, () => api.run(dagId, runId));
  if (data === undefined) return <p class="loading">{error ?? 'Loading…'}</p>;
  const task = data.dag.tasks.find((candidate) => candidate.id === taskId);
  const instance = data.instances.find((i) => i.taskId === taskId && i.mapIndex === mapIndex);
  const items = data.instances.filter((i) => i.taskId === taskId && i.mapIndex >= 0);
  return (
    <section>
      <p class="crumbs">
        <a href={href.grid(dagId)}>{dagId}</a> › <code>{runId}</code> <StateBadge state={data.run.state} />
        {data.run.consoleUrl !== undefined && (
          <>
            {' '}
            <a class="console-link" href={data.run.consoleUrl} target="_blank" rel="noreferrer noopener">
              Step Functions console
            </a>
          </>
        )}
      </p>
      <h1>
        {taskId}
        {mapIndex >= 0 && `[${mapIndex}]`} <StateBadge state={instance?.state ?? 'none'} />
      </h1>
      <Facts instance={instance} />
      <p class="actions">
        <ConfirmButton
          label="Clear"
          question={`Clear ${taskId} in this run and run it again?`}
          run={() => api.clear(dagId, runId, taskId)}
          done={reload}
        />
        {(['success', 'failed'] as const).map((state) => (
          <ConfirmButton
            key={state}
            label={`Mark ${state}`}
            question={`Mark ${taskId}${mapIndex >= 0 ? `[${mapIndex}]` : ''} ${state}? (downstream tasks are left as they are; Clear runs them)`}
            run={() => api.mark(dagId, runId, taskId, mapIndex, state)}
            done={reload}
          />
        ))}
      </p>
      {task !== undefined && <Options task={task} />}
      {items.length > 0 && mapIndex < 0 && (
        <>
          <h2>Mapped items ({items.length})</h2>
          <ul class="items">
            {items.map((item) => (
              <li key={item.mapIndex}>
                <a href={href.task(dagId, runId, taskId, item.mapIndex)}>
                  [{item.mapIndex}] <StateBadge state={item.state} />
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      {instance !== undefined && (instance.tryTimes ?? []).length > 0 && <Tries tries={instance.tryTimes ?? []} />}
      {instance !== undefined && triesOf(instance) > 0 && (
        <Logs key={`${runId}:${taskId}:${mapIndex}`} {...props} tries={triesOf(instance)} state={instance.state} />
      )}
    </section>
  );
}

function Facts({ instance }: { instance: UiTaskInstance | undefined }) {
  if (instance === undefined) return <p>This task has not run in this run.</p>;
  return (
    <dl class="facts">
      <dt>Tries</dt>
      <dd>{triesOf(instance)}</dd>
      <dt>Queued</dt>
      <dd>{when(instance.queuedAt)}</dd>
      <dt>Started</dt>
      <dd>{when(instance.startedAt)}</dd>
      <dt>Duration</dt>
      <dd>{duration(instance.durationMs)}</dd>
      {instance.errorMessage !== undefined && (
        <>
          <dt>Error</dt>
          <dd class="error">{instance.errorMessage}</dd>
        </>
      )}
      {instance.reason !== undefined && (
        <>
          <dt>Reason</dt>
          <dd>{instance.reason}</dd>
        </>
      )}
      {instance.output !== undefined && instance.output !== null && (
        <>
          <dt>Result (XCom)</dt>
          <dd>
            <pre class="output">{JSON.stringify(instance.output, null, 2).slice(0, 4000)}</pre>
          </dd>
        </>
      )}
    </dl>
  );
}

/** The newest try: the record's count of ended tries, or a running try its times list. */
function triesOf(instance: UiTaskInstance): number {
  return Math.max(instance.tries ?? 0, instance.tryTimes?.at(-1)?.try ?? 0);
}

/** Each try as Airflow's task instance history shows it: state, when it queued, started and ended, its error. */
function Tries({ tries }: { tries: readonly UiTryTimes[] }) {
  return (
    <>
      <h2>Tries</h2>
      <table class="tries">
        <thead>
          <tr>
            <th>Try</th>
            <th>State</th>
            <th>Queued</th>
            <th>Started</th>
            <th>Ended</th>
            <th>Duration</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {tries.map((entry) => (
            <tr key={entry.try} data-try={entry.try}>
              <td>{entry.try}</td>
              <td>
                <StateBadge state={entry.state} />
              </td>
              <td>{when(entry.queuedAt)}</td>
              <td>{when(entry.startedAt)}</td>
              <td>{when(entry.endedAt)}</td>
              <td>{duration(span(entry.startedAt, entry.endedAt))}</td>
              <td class="error">{entry.errorMessage ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function span(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  return new Date(to).getTime() - new Date(from).getTime();
}

function Options({ task }: { task: UiTask }) {
  return (
    <details class="options">
      <summary>Task options</summary>
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{task.kind}</dd>
        <dt>Retries</dt>
        <dd>{task.retries}</dd>
        <dt>Trigger rule</dt>
        <dd>{task.triggerRule}</dd>
        <dt>Pool</dt>
        <dd>{task.pool ?? 'default'}</dd>
        <dt>Compute</dt>
        <dd>
          {task.compute ?? '-'}
          {task.size !== undefined && ` (${task.size.cpu / 1024} vCPU, ${task.size.memory} MiB)`}
        </dd>
        <dt>Upstream</dt>
        <dd>{task.upstream.length > 0 ? task.upstream.join(', ') : 'none'}</dd>
      </dl>
      {task.doc !== undefined && <Markdown text={task.doc} />}
    </details>
  );
}

/** The states in which a task instance's newest try has ended (up_for_retry: the next try has not started). */
const TRY_ENDED = new Set(['success', 'failed', 'skipped', 'upstream_failed', 'up_for_retry', 'removed']);

function Logs(props: { dagId: string; runId: string; taskId: string; mapIndex: number; tries: number; state: string }) {
  // The newest try until one is chosen: a retry that starts while the page is open is shown as it runs.
  const [chosen, setChosen] = useState<number | undefined>(undefined);
  const tryNumber = Math.min(chosen ?? props.tries, props.tries);
  const ended = tryNumber < props.tries || TRY_ENDED.has(props.state);
  // The last log text answered once the try had ended, with its try.
  const endedText = useRef<string | undefined>(undefined);
  const { data } = usePolled(
    `log:${props.runId}:${props.taskId}:${props.mapIndex}:${tryNumber}`,
    () => api.log(props.dagId, props.runId, props.taskId, props.mapIndex, tryNumber),
    // An ended try's log is asked for until two answers after its end agree: lines shipped just after the end
    // (CloudWatch shows them seconds later) still arrive, and then no more requests are made for it (in stack
    // mode each is a FilterLogEvents call, 5 a second per account).
    (answer) => {
      if (!ended) {
        endedText.current = undefined;
        return false;
      }
      const seen = `${tryNumber}\n${answer.text}`;
      const same = endedText.current === seen;
      endedText.current = seen;
      return same;
    },
  );
  return (
    <div class="logs">
      <h2>Log</h2>
      <div class="tabs" role="tablist">
        {Array.from({ length: props.tries }, (_, index) => index + 1).map((n) => (
          <button
            key={n}
            type="button"
            role="tab"
            aria-selected={n === tryNumber}
            class={n === tryNumber ? 'tab chosen' : 'tab'}
            onClick={() => setChosen(n)}
          >
            Try {n}
          </button>
        ))}
      </div>
      <pre class="log" role="log" aria-label={`log of try ${tryNumber}`}>
        {data === undefined ? 'Loading…' : data.text === '' ? '(nothing logged yet)' : data.text}
      </pre>
    </div>
  );
}
