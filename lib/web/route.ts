import { useEffect, useState } from 'preact/hooks';

/** A view's place in the page's address (`#/dags/etl/runs/<run>/tasks/load?mapIndex=2`), so each can be linked. */
export type Route =
  | { readonly view: 'dags' }
  | { readonly view: 'grid'; readonly dagId: string }
  | { readonly view: 'graph'; readonly dagId: string; readonly runId?: string }
  | { readonly view: 'gantt'; readonly dagId: string; readonly runId: string }
  | { readonly view: 'trigger'; readonly dagId: string }
  | {
      readonly view: 'task';
      readonly dagId: string;
      readonly runId: string;
      readonly taskId: string;
      readonly mapIndex: number;
    };

export function readRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'dags' && parts[1] !== undefined) {
    const dagId = parts[1];
    if (parts.length === 2) return { view: 'grid', dagId };
    if (parts.length === 3 && parts[2] === 'trigger') return { view: 'trigger', dagId };
    if (parts.length === 3 && parts[2] === 'graph') {
      const runId = new URLSearchParams(query).get('run');
      return runId !== null ? { view: 'graph', dagId, runId } : { view: 'graph', dagId };
    }
    if (parts.length === 5 && parts[2] === 'runs' && parts[4] === 'gantt')
      return { view: 'gantt', dagId, runId: parts[3]! };
    if (parts.length === 6 && parts[2] === 'runs' && parts[4] === 'tasks') {
      const mapIndex = Number(new URLSearchParams(query).get('mapIndex') ?? '-1');
      return {
        view: 'task',
        dagId,
        runId: parts[3]!,
        taskId: parts[5]!,
        mapIndex: Number.isInteger(mapIndex) ? mapIndex : -1,
      };
    }
  }
  return { view: 'dags' };
}

const part = encodeURIComponent;

export const href = {
  dags: () => '#/',
  grid: (dagId: string) => `#/dags/${part(dagId)}`,
  trigger: (dagId: string) => `#/dags/${part(dagId)}/trigger`,
  graph: (dagId: string, runId?: string) =>
    `#/dags/${part(dagId)}/graph${runId !== undefined ? `?run=${part(runId)}` : ''}`,
  gantt: (dagId: string, runId: string) => `#/dags/${part(dagId)}/runs/${part(runId)}/gantt`,
  task: (dagId: string, runId: string, taskId: string, mapIndex = -1) =>
    `#/dags/${part(dagId)}/runs/${part(runId)}/tasks/${part(taskId)}${mapIndex >= 0 ? `?mapIndex=${mapIndex}` : ''}`,
};

/** The route of the page's address, following it as it changes (links, back and forward). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => readRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(readRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}
