/**
 * Conf keys a DAG declares no param for. Airflow 3 accepts them (a trigger may "supply additional Params", and its
 * conf is free-form), so Airstep does too, but a misspelt key (`limt` for `limit`) would otherwise go unnoticed
 * while the param keeps its default: `run` warns, naming the keys the DAG knows.
 */
export function unknownConfKeys(conf: Readonly<Record<string, unknown>>, params: Readonly<object>): string[] {
  return Object.keys(conf).filter((key) => !Object.hasOwn(params, key));
}

/**
 * The warning for unknown conf keys (one line): the keys, and the params the DAG declares when the caller knows
 * them (`airstep trigger` learns only the keys, from the trigger's answer).
 */
export function unknownConfKeysWarning(dagId: string, unknown: readonly string[], params?: Readonly<object>): string {
  const known = params !== undefined ? Object.keys(params) : undefined;
  const listed = known === undefined ? '' : ` (its params: ${known.length > 0 ? known.join(', ') : 'none'})`;
  return (
    `warning: dag ${dagId} › conf: ${unknown.map((key) => `'${key}'`).join(', ')} ` +
    `${unknown.length === 1 ? 'is not a param' : 'are not params'} of the DAG${listed}; ` +
    'it reaches the run unchecked (ctx.conf, and ctx.params as Airflow merges conf into params)'
  );
}
