/**
 * DAG params: a typed schema for the `conf` a run is triggered with. Defaults fill what `conf` leaves out;
 * a trigger whose conf does not validate is refused, naming the field, and creates no run.
 */

interface ParamBase<T> {
  /** Shown in `airstep list --json` and in the manifest's params JSON Schema (what a trigger form is built from). */
  readonly description?: string;
  /** Used when the trigger's conf does not set this param. */
  readonly default?: T;
  /** A trigger must set this param (or it must have a default). @default false */
  readonly required?: boolean;
}

export interface StringParam extends ParamBase<string> {
  readonly type: 'string';
  readonly enum?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  /** A regular expression the whole value must match. */
  readonly pattern?: string;
}

export interface NumberParam extends ParamBase<number> {
  readonly type: 'number' | 'integer';
  readonly enum?: readonly number[];
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface BooleanParam extends ParamBase<boolean> {
  readonly type: 'boolean';
}

export interface ArrayParam extends ParamBase<readonly unknown[]> {
  readonly type: 'array';
  readonly items?: 'string' | 'number' | 'integer' | 'boolean' | 'object';
}

export interface ObjectParam extends ParamBase<Readonly<Record<string, unknown>>> {
  readonly type: 'object';
}

export type ParamSpec = StringParam | NumberParam | BooleanParam | ArrayParam | ObjectParam;
export type ParamsSpec = Readonly<Record<string, ParamSpec>>;

type ParamValue<S extends ParamSpec> = S extends StringParam
  ? S['enum'] extends readonly (infer E)[]
    ? E
    : string
  : S extends NumberParam
    ? number
    : S extends BooleanParam
      ? boolean
      : S extends ArrayParam
        ? unknown[]
        : Record<string, unknown>;

/** The `ctx.params` type a params schema gives: every param is present once defaults are applied. */
export type ParamValues<S extends ParamsSpec> = { [K in keyof S]: ParamValue<S[K]> };

export const PARAM_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;
