/**
 * Assets in the IR: a DAG's asset condition (what it is scheduled on) and a task's outlets (what it updates), as
 * plain JSON, with every problem of the authored values. Pure: the SDK's asset values are read by their fields,
 * so an asset made by another copy of the SDK (a bundled DAG file carries its own) reads the same.
 */

import { type AssetWatcherIR, watchedAssetConflicts, watchersOf } from './asset-watchers-ir.ts';
import { nonJsonPart } from './json-values.ts';

/** One asset: its URI is its identity. */
export interface AssetIR {
  readonly kind: 'asset';
  readonly uri: string;
  readonly name?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Events from outside Airstep that update it (sorted by name; absent: none). */
  readonly watchers?: readonly AssetWatcherIR[];
}

/** A DAG's asset condition: one asset, all of several (Airflow's `&`, a list), or any of several (`|`). */
export type AssetConditionIR =
  | AssetIR
  | { readonly kind: 'all'; readonly of: readonly AssetConditionIR[] }
  | { readonly kind: 'any'; readonly of: readonly AssetConditionIR[] };

/** What a DAG's `schedule` option gives: its time part (for `ScheduleSpec.expression`) and its asset condition. */
export interface AuthoredSchedule {
  /** The time schedule: the string itself, `time` of `{ time, assets }`, or null (none). */
  readonly expression: string | null;
  readonly assets?: AssetConditionIR;
  readonly problems: ReadonlyArray<{ readonly field: string; readonly message: string }>;
}

/** Airflow's limit on an asset URI (its `uri` column). */
const URI_MAX_LENGTH = 1500;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;

const SCHEDULE_SHAPES =
  "must be a schedule ('@daily', a cron or rate), null (manual runs only), a list of assets ([asset('s3://…')]), " +
  "an asset condition (a.and(b), a.or(b)) or { time: '@daily', assets: … }";

/** Why `uri` is no asset URI, or undefined. */
export function assetUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return `an asset URI must be a string, got ${JSON.stringify(uri) ?? String(uri)}`;
  const match = SCHEME.exec(uri);
  if (match === null) return `asset URI '${uri}' has no scheme: write it as <scheme>://<path>, e.g. s3://bucket/prefix`;
  if (match[1]!.toLowerCase() === 'airflow' || match[1]!.toLowerCase() === 'airstep')
    return `asset URI '${uri}' uses the reserved scheme '${match[1]}'`;
  if (match[2]!.replace(/\/+$/, '') === '')
    return `asset URI '${uri}' has nothing after '${match[1]}://': name what it is, e.g. ${match[1]}://bucket/prefix`;
  if (/\s/.test(uri)) return `asset URI '${uri}' contains white space`;
  if (uri.length > URI_MAX_LENGTH)
    return `asset URI is ${uri.length} characters long; at most ${URI_MAX_LENGTH} are allowed`;
  return undefined;
}

/** Reads the `schedule` option: a string or null as before, or assets. Every problem, each with its field. */
export function authoredSchedule(schedule: unknown): AuthoredSchedule {
  if (schedule === undefined || schedule === null) return { expression: null, problems: [] };
  if (typeof schedule === 'string') return { expression: schedule, problems: [] };
  const problems: Array<{ field: string; message: string }> = [];
  if (isObject(schedule) && !Array.isArray(schedule) && schedule.kind === undefined && 'assets' in schedule) {
    const extra = Object.keys(schedule).filter((key) => key !== 'time' && key !== 'assets');
    if (extra.length > 0)
      problems.push({ field: `schedule.${extra[0]}`, message: `unknown option(s): ${extra.join(', ')}` });
    if (typeof schedule.time !== 'string')
      problems.push({
        field: 'schedule.time',
        message: "must be a time schedule ('@daily', a cron or rate) that runs besides the assets",
      });
    const assets = conditionOf(schedule.assets, 'schedule.assets', problems);
    if (assets !== undefined) problems.push(...watchedAssetConflicts(listedAssets(assets), 'schedule.assets'));
    return {
      expression: typeof schedule.time === 'string' ? schedule.time : null,
      ...(assets !== undefined ? { assets } : {}),
      problems,
    };
  }
  if (!Array.isArray(schedule) && !isCondition(schedule))
    return { expression: null, problems: [{ field: 'schedule', message: SCHEDULE_SHAPES }] };
  const assets = conditionOf(schedule, 'schedule', problems);
  if (assets !== undefined) problems.push(...watchedAssetConflicts(listedAssets(assets), 'schedule'));
  return { expression: null, ...(assets !== undefined ? { assets } : {}), problems };
}

/** Reads a task's `outlets` option: a list of assets, each once. */
export function outletsOf(outlets: unknown): {
  readonly outlets: readonly AssetIR[];
  readonly problems: ReadonlyArray<{ field: string; message: string }>;
} {
  if (outlets === undefined) return { outlets: [], problems: [] };
  const problems: Array<{ field: string; message: string }> = [];
  if (!Array.isArray(outlets))
    return { outlets: [], problems: [{ field: 'outlets', message: "must be a list of assets ([asset('s3://…')])" }] };
  const found = new Map<string, AssetIR>();
  outlets.forEach((value, index) => {
    const field = `outlets[${index}]`;
    if (!isObject(value) || value.kind !== 'asset') {
      problems.push({ field, message: "must be an asset (asset('s3://bucket/prefix'))" });
      return;
    }
    const asset = assetOf(value, field, problems);
    if (asset === undefined) return;
    if (found.has(asset.uri)) problems.push({ field, message: `asset '${asset.uri}' is listed twice` });
    else found.set(asset.uri, asset);
  });
  return { outlets: [...found.values()].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)), problems };
}

/** Every asset a condition names, each once, sorted by URI. */
export function conditionAssets(condition: AssetConditionIR): AssetIR[] {
  const found = new Map<string, AssetIR>();
  const visit = (node: AssetConditionIR) => {
    if (node.kind === 'asset') found.set(node.uri, found.get(node.uri) ?? node);
    else for (const child of node.of) visit(child);
  };
  visit(condition);
  return [...found.values()].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
}

/** A condition as Airflow writes it: `(s3://a & s3://b) | s3://c`. */
export function describeCondition(condition: AssetConditionIR): string {
  if (condition.kind === 'asset') return condition.uri;
  const parts = condition.of.map((child) => (child.kind === 'asset' ? child.uri : `(${describeCondition(child)})`));
  return parts.join(condition.kind === 'all' ? ' & ' : ' | ');
}

function conditionOf(
  value: unknown,
  field: string,
  problems: Array<{ field: string; message: string }>,
): AssetConditionIR | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      problems.push({ field, message: 'an empty list of assets is never met: use null for a DAG run only by hand' });
      return undefined;
    }
    const of = value.map((item, index) => {
      if (isObject(item) && item.kind === 'asset') return assetOf(item, `${field}[${index}]`, problems);
      problems.push({ field: `${field}[${index}]`, message: "must be an asset (asset('s3://bucket/prefix'))" });
      return undefined;
    });
    return of.every((item) => item !== undefined) ? { kind: 'all', of } : undefined;
  }
  if (!isCondition(value)) {
    problems.push({ field, message: 'must be an asset, a list of assets, or allOf(…) / anyOf(…) of them' });
    return undefined;
  }
  if (value.kind === 'asset') return assetOf(value, field, problems);
  const children = Array.isArray(value.of) ? value.of : [];
  if (children.length === 0) {
    problems.push({ field, message: `${value.kind === 'all' ? 'allOf' : 'anyOf'}() of nothing is never met` });
    return undefined;
  }
  const of = children.map((child, index) => conditionOf(child, `${field}.of[${index}]`, problems));
  return of.every((child) => child !== undefined) ? { kind: value.kind, of } : undefined;
}

function assetOf(
  value: Record<string, unknown>,
  field: string,
  problems: Array<{ field: string; message: string }>,
): AssetIR | undefined {
  const problem = assetUriProblem(value.uri);
  if (problem !== undefined) {
    problems.push({ field, message: problem });
    return undefined;
  }
  if (value.name !== undefined && (typeof value.name !== 'string' || value.name === ''))
    problems.push({ field: `${field}.name`, message: 'must be a non-empty string' });
  if (value.extra !== undefined && (!isObject(value.extra) || Array.isArray(value.extra)))
    problems.push({ field: `${field}.extra`, message: 'must be an object of JSON values' });
  else if (value.extra !== undefined) {
    const notJson = nonJsonPart(value.extra, `${field}.extra`);
    if (notJson !== undefined) problems.push({ field: notJson.path, message: notJson.message });
  }
  const watchers = watchersOf(value.uri as string, value.watchers, field, problems);
  return {
    kind: 'asset',
    uri: value.uri as string,
    ...(typeof value.name === 'string' && value.name !== '' ? { name: value.name } : {}),
    ...(isObject(value.extra) ? { extra: value.extra } : {}),
    ...(watchers !== undefined ? { watchers } : {}),
  };
}

/** Every asset a condition names, as often as it names it (conditionAssets keeps the first of each URI). */
function listedAssets(condition: AssetConditionIR): AssetIR[] {
  return condition.kind === 'asset' ? [condition] : condition.of.flatMap(listedAssets);
}

function isCondition(value: unknown): value is Record<string, unknown> & { kind: 'asset' | 'all' | 'any' } {
  return isObject(value) && (value.kind === 'asset' || value.kind === 'all' || value.kind === 'any');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
