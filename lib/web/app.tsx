import './app.css';
import { render } from 'preact';
import { href, useRoute } from './route.ts';
import { DagsView } from './views/dags-view.tsx';
import { GanttView } from './views/gantt-view.tsx';
import { GraphView } from './views/graph-view.tsx';
import { GridView } from './views/grid-view.tsx';
import { TaskView } from './views/task-view.tsx';
import { TriggerView } from './views/trigger-view.tsx';

/** The page: a header and the view the address names (each view has an address of its own, so it can be linked). */
function App() {
  const route = useRoute();
  return (
    <>
      <header>
        <a class="brand" href={href.dags()}>
          Airstep
        </a>
        <nav>
          <a href={href.dags()}>DAGs</a>
        </nav>
      </header>
      <main>
        {route.view === 'dags' && <DagsView />}
        {route.view === 'grid' && <GridView key={route.dagId} dagId={route.dagId} />}
        {route.view === 'graph' && <GraphView key={route.dagId} {...route} />}
        {route.view === 'gantt' && <GanttView key={`${route.dagId}:${route.runId}`} {...route} />}
        {route.view === 'trigger' && <TriggerView dagId={route.dagId} />}
        {route.view === 'task' && <TaskView {...route} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
