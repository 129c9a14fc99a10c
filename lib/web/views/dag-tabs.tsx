import { href } from '../route.ts';

/** The views of one DAG, as tabs under its name (the chosen one marked for screen readers too). */
export function DagTabs(props: { dagId: string; chosen: 'grid' | 'graph' | 'gantt' | 'trigger'; runId?: string }) {
  const tabs = [
    { name: 'grid', label: 'Grid', to: href.grid(props.dagId) },
    { name: 'graph', label: 'Graph', to: href.graph(props.dagId, props.runId) },
    ...(props.runId !== undefined ? [{ name: 'gantt', label: 'Gantt', to: href.gantt(props.dagId, props.runId) }] : []),
    { name: 'trigger', label: 'Trigger', to: href.trigger(props.dagId) },
  ];
  return (
    <nav class="dag-tabs" aria-label={`${props.dagId} views`}>
      {tabs.map((tab) => (
        <a
          key={tab.name}
          href={tab.to}
          class={tab.name === props.chosen ? 'tab chosen' : 'tab'}
          aria-current={tab.name === props.chosen ? 'page' : undefined}
        >
          {tab.label}
        </a>
      ))}
    </nav>
  );
}
