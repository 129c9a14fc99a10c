import { useState } from 'preact/hooks';
import { api } from '../api-client.ts';
import { ConfirmButton, scheduleText, when } from '../parts.tsx';
import { href } from '../route.ts';
import { usePolled } from '../use-polled.ts';

/** Every DAG: schedule and next run, paused, its last runs as squares; import errors first; search and tags. */
export function DagsView() {
  const { data, error, reload } = usePolled('dags', api.dags);
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  if (data === undefined) return <p class="loading">{error ?? 'Loading DAGs…'}</p>;
  const tags = [...new Set(data.dags.flatMap((dag) => dag.tags))].sort();
  const shown = data.dags.filter(
    (dag) => dag.dagId.toLowerCase().includes(search.trim().toLowerCase()) && (tag === '' || dag.tags.includes(tag)),
  );
  return (
    <section>
      <h1>DAGs</h1>
      <p class="source">{data.source === 'local' ? 'Local runs (.airstep)' : `Deployed: ${data.source}`}</p>
      {data.importErrors.length > 0 && (
        <div class="import-errors" role="alert">
          <h2>Import errors ({data.importErrors.length})</h2>
          <ul>
            {data.importErrors.map((failure) => (
              <li key={`${failure.file}:${failure.line}`}>
                <code>
                  {failure.file}
                  {failure.line !== undefined ? `:${failure.line}` : ''}
                </code>{' '}
                {failure.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="filters">
        <input
          type="search"
          placeholder="Search DAGs"
          aria-label="Search DAGs"
          value={search}
          onInput={(event) => setSearch((event.target as HTMLInputElement).value)}
        />
        <select aria-label="Tag" value={tag} onChange={(event) => setTag((event.target as HTMLSelectElement).value)}>
          <option value="">all tags</option>
          {tags.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <table class="dags">
        <thead>
          <tr>
            <th>DAG</th>
            <th>Schedule</th>
            <th>Next run</th>
            <th>Last runs</th>
            <th>Paused</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((dag) => (
            <tr key={dag.dagId} data-dag={dag.dagId}>
              <td>
                <a href={href.grid(dag.dagId)}>{dag.dagId}</a>
                {dag.tags.map((name) => (
                  <span key={name} class="tag">
                    {name}
                  </span>
                ))}
              </td>
              <td>{scheduleText(dag.schedule, dag.timezone, dag.assets)}</td>
              <td>{dag.nextRun !== null ? when(dag.nextRun.runAfter) : '-'}</td>
              <td class="squares">
                {[...dag.recentRuns].reverse().map((run) => (
                  <span key={run.runId} class={`square state-${run.state}`} title={`${run.runId}: ${run.state}`} />
                ))}
              </td>
              <td class="paused-cell">
                <span class={dag.paused ? 'paused' : 'active'}>{dag.paused ? 'paused' : 'active'}</span>{' '}
                <ConfirmButton
                  label={dag.paused ? 'Unpause' : 'Pause'}
                  question={dag.paused ? `Unpause ${dag.dagId}?` : `Pause ${dag.dagId}?`}
                  run={() => api.pause(dag.dagId, !dag.paused)}
                  done={reload}
                />
              </td>
              <td>
                <a class="button" href={href.trigger(dag.dagId)}>
                  Trigger
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && <p>No DAG matches.</p>}
    </section>
  );
}
