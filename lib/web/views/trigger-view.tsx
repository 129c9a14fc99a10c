import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { UiConfProblem, UiDag, UiParam } from '../api.ts';
import { api } from '../api-client.ts';
import { href } from '../route.ts';
import { usePolled } from '../use-polled.ts';
import { DagTabs } from './dag-tabs.tsx';

/** What a field holds while it is edited: text for inputs and JSON areas, a flag for checkboxes. */
type FieldValue = string | boolean;

/**
 * Trigger a run: a form made from the DAG's params schema (a field per param with its type, default, choices and
 * description) and the logical date. Every change is checked by the trigger's own check (the server runs it), so a
 * bad value is named before anything is submitted, and the button stays off until the conf passes.
 */
export function TriggerView({ dagId }: { dagId: string }) {
  const { data, error } = usePolled(`dags`, api.dags);
  const dag = data?.dags.find((candidate) => candidate.dagId === dagId);
  if (data === undefined) return <p class="loading">{error ?? 'Loading…'}</p>;
  if (dag === undefined) return <p role="alert">No DAG '{dagId}'.</p>;
  return <TriggerForm key={dagId} dag={dag} />;
}

function TriggerForm({ dag }: { dag: UiDag }) {
  const names = Object.keys(dag.params);
  const [values, setValues] = useState<Record<string, FieldValue>>(() =>
    Object.fromEntries(names.map((name) => [name, initialValue(dag.params[name]!)])),
  );
  const [logicalDate, setLogicalDate] = useState('');
  const [problems, setProblems] = useState<UiConfProblem[]>([]);
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const built = buildConf(dag, values);

  useEffect(() => {
    let gone = false;
    if (built.problems.length > 0) {
      setProblems(built.problems);
      return;
    }
    void api.checkConf(dag.dagId, built.conf).then(
      (answer) => !gone && setProblems(answer.problems),
      (failure: Error) => !gone && setRefusal(failure.message),
    );
    return () => {
      gone = true;
    };
  }, [JSON.stringify(values)]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(undefined);
    try {
      const answer = await api.trigger(dag.dagId, built.conf, logicalDate.trim());
      if (answer.ok) location.hash = href.grid(dag.dagId);
      else {
        setRefusal(answer.error);
        if (answer.problems !== undefined) setProblems([...answer.problems]);
      }
    } catch (failure) {
      setRefusal((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const problemOf = (name: string) =>
    problems.filter((problem) => problem.field === `params.${name}` || problem.field.startsWith(`params.${name}.`));
  return (
    <section>
      <p class="crumbs">
        <a href={href.grid(dag.dagId)}>{dag.dagId}</a> › trigger
      </p>
      <h1>Trigger {dag.dagId}</h1>
      <DagTabs dagId={dag.dagId} chosen="trigger" />
      <form class="trigger" onSubmit={submit} noValidate>
        <label>
          Logical date <span class="muted">(ISO 8601; empty: now)</span>
          <input
            name="logicalDate"
            value={logicalDate}
            placeholder="2026-12-01 or 2026-12-01T06:00:00Z"
            onInput={(event) => setLogicalDate((event.target as HTMLInputElement).value)}
          />
        </label>
        {names.length === 0 && <p class="muted">This DAG has no params.</p>}
        {names.map((name) => (
          <ParamField
            key={name}
            name={name}
            param={dag.params[name]!}
            value={values[name]!}
            problems={problemOf(name)}
            onChange={(value) => setValues({ ...values, [name]: value })}
          />
        ))}
        {problems
          .filter((problem) => !names.some((name) => problem.field.startsWith(`params.${name}`)))
          .map((problem) => (
            <p key={problem.field} class="problem" role="alert">
              {problem.field}: {problem.message}
            </p>
          ))}
        <button type="submit" class="primary" disabled={busy || problems.length > 0}>
          Trigger
        </button>
        {refusal !== undefined && (
          <p class="refusal" role="alert">
            {refusal}
          </p>
        )}
      </form>
    </section>
  );
}

function ParamField(props: {
  name: string;
  param: UiParam;
  value: FieldValue;
  problems: readonly UiConfProblem[];
  onChange: (value: FieldValue) => void;
}) {
  const { name, param, value, problems, onChange } = props;
  const text = (event: Event) => onChange((event.target as HTMLInputElement).value);
  const id = `param-${name}`;
  let input: JSX.Element;
  if (param.type === 'boolean') {
    input = (
      <input
        id={id}
        type="checkbox"
        name={name}
        checked={value === true}
        onChange={(event) => onChange((event.target as HTMLInputElement).checked)}
      />
    );
  } else if (param.enum !== undefined) {
    input = (
      <select id={id} name={name} value={String(value)} onChange={text}>
        {param.enum.map((choice) => (
          <option key={String(choice)} value={String(choice)}>
            {String(choice)}
          </option>
        ))}
      </select>
    );
  } else if (param.type === 'array' || param.type === 'object') {
    input = <textarea id={id} name={name} rows={3} value={String(value)} onInput={text} />;
  } else {
    input = (
      <input
        id={id}
        name={name}
        type="text"
        // Typed as text (a number field would hand over '' for what it cannot read): the check names the value.
        inputMode={param.type === 'string' ? 'text' : 'decimal'}
        value={String(value)}
        aria-invalid={problems.length > 0}
        onInput={text}
      />
    );
  }
  return (
    <div class={problems.length > 0 ? 'field invalid' : 'field'}>
      <label for={id}>
        {name}{' '}
        <span class="muted">
          {param.type}
          {param.required === true ? ', required' : ''}
        </span>
      </label>
      {input}
      {param.description !== undefined && <span class="muted">{param.description}</span>}
      {problems.map((problem) => (
        <span key={problem.message} class="problem" role="alert">
          {problem.message}
        </span>
      ))}
    </div>
  );
}

function initialValue(param: UiParam): FieldValue {
  if (param.type === 'boolean') return param.default === true;
  if (param.default === undefined) return param.enum !== undefined ? String(param.enum[0] ?? '') : '';
  return param.type === 'array' || param.type === 'object' ? JSON.stringify(param.default) : String(param.default);
}

/** The conf the fields make (an empty field leaves its param to its default), or what cannot even be read. */
function buildConf(dag: UiDag, values: Readonly<Record<string, FieldValue>>) {
  const conf: Record<string, unknown> = {};
  const problems: UiConfProblem[] = [];
  for (const [name, param] of Object.entries(dag.params)) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    if (typeof value === 'boolean') conf[name] = value;
    else if (param.type === 'number' || param.type === 'integer') {
      const number = Number(value);
      if (Number.isNaN(number)) problems.push({ field: `params.${name}`, message: `'${value}' is not a number` });
      else conf[name] = number;
    } else if (param.type === 'array' || param.type === 'object') {
      try {
        conf[name] = JSON.parse(value);
      } catch {
        problems.push({ field: `params.${name}`, message: 'is not JSON' });
      }
    } else conf[name] = value;
  }
  return { conf, problems };
}
