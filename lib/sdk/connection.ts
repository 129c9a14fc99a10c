/**
 * A connection as task code reads it with `ctx.connection(id)`: the fields of Airflow's `Connection`
 * (`BaseHook.get_connection`), so a hook written against Airflow's shape maps one to one.
 */
export interface Connection {
  /** The id it was read under (`ctx.connection('warehouse')`). */
  readonly id: string;
  /** What kind of system it is (`postgres`, `http`, `aws`…): the URI's scheme, or `conn_type` in JSON. */
  readonly connType: string;
  readonly host?: string;
  readonly port?: number;
  readonly login?: string;
  /** Masked (`***`) wherever the try writes it: its log lines, its error, and refused in its result (XCom). */
  readonly password?: string;
  /** The database or path (the URI's path without its leading `/`). */
  readonly schema?: string;
  /** Anything else the system needs (the URI's query, or `extra` in JSON); values under sensitive keys are masked. */
  readonly extra: Readonly<Record<string, unknown>>;
}
