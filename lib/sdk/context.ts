import type { RunType } from '../schedule/types.ts';
import type { Connection } from './connection.ts';
import type { OutletEvents } from './outlet-events.ts';

export type { RunType };

/**
 * What every task function receives. Dates are ISO 8601 strings; `ds` is never missing: a manual run takes
 * its trigger time as logical date.
 */
export interface TaskContext<P = Record<string, unknown>> extends SecretReader {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  /** Start of the data interval for scheduled runs; the trigger time for manual runs. */
  readonly logicalDate: string;
  /** The logical date as `YYYY-MM-DD` in the DAG's time zone. */
  readonly ds: string;
  /** The logical date as `YYYYMMDD`. */
  readonly dsNodash: string;
  /** The logical date as an ISO timestamp with offset. */
  readonly ts: string;
  readonly dataIntervalStart: string;
  readonly dataIntervalEnd: string;
  /** Params after defaults were applied and the trigger's conf was validated. */
  readonly params: P;
  /** The raw conf the run was triggered with. */
  readonly conf: Readonly<Record<string, unknown>>;
  /**
   * The asset events that started this run (Airflow's `triggering_asset_events`): asset URI -> its events, oldest
   * first. Empty unless `runType` is `asset_triggered`.
   */
  readonly triggeringAssetEvents: Readonly<Record<string, readonly AssetEventInfo[]>>;
  /** The events the task's success records for its outlets: `ctx.outletEvents(orders).extra = { rows: 42 }`. */
  readonly outletEvents: OutletEvents;
  readonly taskId: string;
  /** The item's index in a mapped task; -1 otherwise. */
  readonly mapIndex: number;
  /** 1 on the first try, 2 on the first retry, … */
  readonly tryNumber: number;
  /** Writes a line to this try's log (as does `console.log` in the try's code). */
  log(...values: unknown[]): void;
  /**
   * AWS clients for the task's code: with the credentials of the task's `runAs` role when it has one (the worker
   * assumed it for this try), the worker's own otherwise. Locally, always the default credentials.
   */
  readonly aws: TaskAws;
}

/** One asset event, as a task of the run it triggered sees it. */
export interface AssetEventInfo {
  /** The updated asset. */
  readonly uri: string;
  /** When the producing task succeeded, or the watched event happened (ISO, UTC). */
  readonly timestamp: string;
  /** Who updated it: the producing task's DAG, task and run (absent for an event from outside Airstep). */
  readonly sourceDagId?: string;
  readonly sourceTaskId?: string;
  readonly sourceRunId?: string;
  /** The asset watcher whose event this is (absent for an event from an Airstep task). */
  readonly watcher?: string;
  /** Facts about the event (a watched S3 object's bucket, key, size, …); `{}` when none. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Temporary credentials of an assumed role, as AWS SDK v3 clients take them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** What `ctx.aws` gives task code. */
export interface TaskAws {
  /** The role the try runs under (`runAs`); undefined: the worker's own credentials. */
  readonly roleArn?: string;
  /** The assumed role's credentials; undefined: the default credential chain. */
  readonly credentials?: AwsCredentials;
  /**
   * An AWS SDK v3 client with these credentials (and `AWS_ENDPOINT_URL`, path-style, when set): `ctx.aws.client(S3Client)`.
   * `config` is passed on and wins over both.
   */
  // biome-ignore lint/suspicious/noExplicitAny: each SDK client class takes its own config type
  client<C>(ClientClass: new (config: any) => C, config?: Record<string, unknown>): C;
}

/** Where task code and callbacks read Variables and Connections (README, "Variables and Connections"). */
export interface SecretReader {
  /**
   * A variable's value, as Airflow's `Variable.get(name, default_var)`: locally from `AIRSTEP_VAR_<NAME>`, then
   * `airstep.secrets.json`, then `airstep.config.json`; in the cloud from SSM Parameter Store under the stack's
   * prefix. Without `defaultValue`, a variable set nowhere throws `VariableNotFoundError` naming it. A variable
   * whose name looks sensitive (`password`, `secret`, `token`, `key`…) is masked in this try's log (for a
   * callback: in what its worker logs of it).
   */
  variable(name: string, defaultValue?: string): Promise<string>;
  /**
   * A connection, as Airflow's `BaseHook.get_connection(id)`: locally from `AIRSTEP_CONN_<ID>` (a URI or JSON),
   * then `airstep.secrets.json`; in the cloud from Secrets Manager under the stack's prefix. Its password is masked
   * in this try's log and error (for a callback: in what its worker logs of it), and a result (XCom) holding it is
   * refused. Throws `ConnectionNotFoundError`.
   */
  connection(id: string): Promise<Connection>;
}
