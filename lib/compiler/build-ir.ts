import type { DeadlineSpec, ScheduleSpec } from '../schedule/index.ts';
import { DAG_ALARM_KINDS, type DagAlarmKind } from '../sdk/alarms.ts';
import type { Dag } from '../sdk/dag.ts';
import type { NodeKey } from '../sdk/dag-graph.ts';
import { DEADLINE_REFERENCES } from '../sdk/deadline.ts';
import { tryParseDuration } from '../sdk/duration.ts';
import type { Problem } from '../sdk/errors.ts';
import type { ParamSpec } from '../sdk/params.ts';
import type { TaskOptions } from '../sdk/task-options.ts';
import type { DeclaredTask, SensorOptions, TaskSpec } from '../sdk/task-spec.ts';
import { authoredSchedule, outletsOf } from './asset-ir.ts';
import { awsSdkProblems } from './aws-sdk-integrations.ts';
import { crossDagProblems, externalTaskSensorIr, triggerDagIr } from './cross-dag-ir.ts';
import { fargateSize } from './fargate-size.ts';
import {
  type CodeKindIR,
  type DagIR,
  type GroupIR,
  IR_VERSION,
  type RetryIR,
  type SensorIR,
  type TaskCommonIR,
  type TaskKindIR,
} from './ir.ts';
import { nonJsonPart } from './json-values.ts';
import { durationLimitProblem } from './limits.ts';
import { mappedOutletsCheck } from './mapped-outlets.ts';
import { mappingIr } from './mapping-ir.ts';
import { dynamoAttributeProblems } from './native-field-checks.ts';
import { inapplicableOptions, optionApplies } from './option-applicability.ts';
import {
  DAG_ID,
  dagOptionsSchema,
  fargateOptionsSchema,
  sensorOptionsSchema,
  taskOptionsSchema,
  zodProblems,
} from './option-schemas.ts';
import { paramProblems } from './param-checks.ts';
import { paramsPayloadProblem } from './params-payload.ts';
import { PROTOTYPE_KEY, reservedNameMessage } from './reserved-names.ts';
import { checkSchedule } from './schedule-check.ts';
import { groupLastTasks, setupTeardownProblems } from './setup-teardown.ts';
import { parseTemplate, splitXcomReference, templateStrings } from './templates.ts';
import { DEFAULT_XCOM_OFFLOAD_BYTES } from './xcom-default.ts';

const TASK_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/** Airflow's defaults where the author sets nothing. */
const DEFAULTS = {
  retryDelaySeconds: 300,
  workerHeartbeatSeconds: 120,
  sensorPokeSeconds: 60,
  sensorTimeoutSeconds: 7 * 24 * 3600,
  maxActiveRuns: 16,
  maxActiveTasks: 16,
  xcomOffloadBytes: DEFAULT_XCOM_OFFLOAD_BYTES,
} as const;

export interface BuildIrResult {
  readonly ir: DagIR;
  readonly problems: Problem[];
}

/**
 * Turns what a DAG file declared into the IR, checking every option on the way. Never throws on bad input:
 * each problem is returned with the DAG, task and field it concerns (and the file, when given).
 */
export function buildIr(dag: Dag, file?: string): BuildIrResult {
  const declared = dag.declared;
  const problems: Problem[] = [];
  const at = (problem: Omit<Problem, 'dagId' | 'file'>) =>
    problems.push({ ...(file !== undefined ? { file } : {}), dagId: declared.dagId, ...problem });
  for (const problem of declared.problems) at(problem);

  const options = dag.options ?? ({} as Dag['options']);
  const parsedOptions = dagOptionsSchema.safeParse(options);
  if (!parsedOptions.success) for (const problem of zodProblems(parsedOptions.error)) at(problem);
  const defaultArgs = taskOptionsSchema.safeParse(options.defaultArgs ?? {});
  // A bad default is reported once, at `defaultArgs.<option>`, not again on every task that inherits it.
  const badDefaults = new Set<string>();
  if (!defaultArgs.success) {
    for (const problem of zodProblems(defaultArgs.error, 'defaultArgs')) {
      at(problem);
      badDefaults.add(problem.field.split('.')[1]!);
    }
  }
  const inheritsBadDefault = (task: DeclaredTask, field: string | undefined) => {
    const option = (field ?? '').split('.')[0]!;
    const value = (options.defaultArgs as Record<string, unknown> | undefined)?.[option];
    return badDefaults.has(option) && Object.is((task.options as Record<string, unknown>)[option], value);
  };

  const authored = authoredSchedule(options.schedule);
  for (const problem of authored.problems) at(problem);
  const schedule: ScheduleSpec = {
    expression: authored.expression,
    timezone: typeof options.timezone === 'string' ? options.timezone : 'UTC',
    ...optionalDate('startDate', options.startDate),
    ...optionalDate('endDate', options.endDate),
    catchup: options.catchup === true,
  };
  for (const problem of checkSchedule(schedule)) at(problem);

  // zod's record (the options schema) skips a `__proto__` key, and a literal `{ __proto__: … }` is no key at all.
  const declaredParams: unknown = options.params;
  if (typeof declaredParams === 'object' && declaredParams !== null) {
    const prototype: unknown = Object.getPrototypeOf(declaredParams);
    if (Object.hasOwn(declaredParams, PROTOTYPE_KEY) || (prototype !== Object.prototype && prototype !== null)) {
      at({ field: `params.${PROTOTYPE_KEY}`, message: reservedNameMessage('param name') });
    }
  }
  const params = sortedRecord((options.params ?? {}) as Record<string, ParamSpec>);
  for (const [name, spec] of Object.entries(params))
    for (const message of paramProblems(spec)) at({ field: `params.${name}`, message });
  const defaults = Object.entries(params).filter(([, spec]) => typeof spec === 'object' && spec?.default !== undefined);
  const tooLarge = paramsPayloadProblem(Object.fromEntries(defaults.map(([name, spec]) => [name, spec.default])));
  if (tooLarge !== undefined) at({ field: 'params', message: tooLarge });

  const edges = resolveEdges(declared.edges, declared.tasks, declared.groups, at);
  const upstreamOf = new Map<string, Set<string>>();
  for (const id of declared.tasks.keys()) upstreamOf.set(id, new Set());
  for (const [from, to] of edges) upstreamOf.get(to)!.add(from);

  const consumed = new Set<string>();
  const ids = [...declared.tasks.keys()].sort();
  const keys = payloadKeys(ids);
  const tasks = ids.map((id) => {
    const task = declared.tasks.get(id)!;
    const upstream = [...upstreamOf.get(id)!].sort();
    return buildTask(task, upstream, keys.get(id)!, params, consumed, (problem) => {
      if (!inheritsBadDefault(task, problem.field)) at({ taskId: id, ...problem });
    });
  });
  const finalTasks = tasks.map((task) => ({ ...task, xcomConsumed: consumed.has(task.id) }));
  for (const problem of setupTeardownProblems(finalTasks)) at(problem);
  for (const problem of crossDagProblems({ dagId: String(options.id), tasks: finalTasks })) at(problem);

  for (const group of declared.groups.values()) {
    if (group.id === PROTOTYPE_KEY || group.id.endsWith(`.${PROTOTYPE_KEY}`)) {
      at({ taskId: group.id, field: 'id', message: reservedNameMessage('group id') });
    }
  }
  const groups: GroupIR[] = [...declared.groups.values()]
    .map((group) => ({ id: group.id, ...pick(group, ['parent', 'doc']) }))
    .sort((a, b) => compare(a.id, b.id));

  const dagrunTimeout = seconds(options.dagrunTimeout);
  const deadline = deadlineOf(options.deadline);
  const alarms = dagAlarmsOf(options.alarms);
  if (alarms.includes('onDeadlineMiss') && options.deadline === undefined)
    at({
      field: 'alarms.onDeadlineMiss',
      message:
        "the DAG has no deadline to miss: declare one (deadline: { reference: 'dataIntervalEnd', interval: '2 hours' }) or drop onDeadlineMiss",
    });
  const ir: DagIR = {
    irVersion: IR_VERSION,
    dagId: typeof options.id === 'string' && DAG_ID.test(options.id) ? options.id : String(options.id),
    ...pick(options, ['description', 'doc', 'owner']),
    tags: [...(options.tags ?? [])].sort(),
    schedule,
    ...(authored.assets !== undefined ? { assets: authored.assets } : {}),
    maxActiveRuns: options.maxActiveRuns ?? DEFAULTS.maxActiveRuns,
    maxActiveTasks: options.maxActiveTasks ?? DEFAULTS.maxActiveTasks,
    ...(dagrunTimeout !== undefined ? { dagrunTimeoutSeconds: dagrunTimeout } : {}),
    callbacks: (['onFailure', 'onSuccess'] as const).filter((name) => typeof options[name] === 'function'),
    ...(deadline !== undefined ? { deadline } : {}),
    ...(deadline !== undefined && typeof options.deadline?.callback === 'function'
      ? { deadlineCallback: true as const }
      : {}),
    ...(alarms.length > 0 ? { alarms } : {}),
    xcomOffloadBytes: options.xcomOffloadBytes ?? DEFAULTS.xcomOffloadBytes,
    params,
    groups,
    tasks: finalTasks,
  };
  return { ir, problems };
}

type At = (problem: { field?: string; message: string; taskId?: string }) => void;

function buildTask(
  task: DeclaredTask,
  upstream: string[],
  key: string,
  params: Record<string, ParamSpec>,
  consumed: Set<string>,
  at: (problem: { field?: string; message: string }) => void,
): Omit<TaskCommonIR, 'xcomConsumed'> & TaskKindIR {
  if (task.id.length > 200) {
    at({ field: 'id', message: `must be at most 200 characters, got ${task.id.length}` });
  } else if (task.id === PROTOTYPE_KEY || task.id.endsWith(`.${PROTOTYPE_KEY}`)) {
    at({ field: 'id', message: reservedNameMessage('task id') });
  } else if (!TASK_ID.test(task.id)) {
    at({
      field: 'id',
      message: `'${task.id}' must be 1-200 letters, digits, _, . or -, starting with a letter, digit or _`,
    });
  }
  const optionCheck = taskOptionsSchema.safeParse(task.options);
  if (!optionCheck.success) for (const problem of zodProblems(optionCheck.error)) at(problem);
  const options = task.options;
  const spec = task.spec;
  const isWorker = spec.kind === 'code' || spec.kind === 'container' || spec.kind === 'poll_sensor';

  for (const [name, input] of Object.entries(task.inputs)) {
    if (!upstream.includes(input)) at({ field: `inputs.${name}`, message: `'${input}' is not a task of this DAG` });
    consumed.add(input);
  }
  const checkTemplates = (value: unknown, field: string) => {
    for (const found of templateStrings(value, field)) {
      const parsed = parseTemplate(found.value);
      if ('error' in parsed) {
        at({ field: found.path, message: parsed.error });
        continue;
      }
      for (const part of parsed.parts) {
        if (!('ref' in part)) continue;
        if (part.ref.kind === 'param' && !(part.ref.name in params)) {
          at({ field: found.path, message: `'{{ params.${part.ref.name} }}' is not a declared param` });
        }
        if (part.ref.kind === 'xcom') {
          const split = splitXcomReference(part.ref.task, (id) => upstream.includes(id));
          if (split === undefined || split.path.some((segment) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment))) {
            at({
              field: found.path,
              message: `'{{ xcom.${part.ref.task} }}' must name a direct upstream task (then optionally .field); add it as an upstream`,
            });
            continue;
          }
          consumed.add(split.task);
        }
      }
    }
  };

  const kindFields = buildKindFields(spec, task.id, upstream, consumed, at, checkTemplates);
  for (const problem of inapplicableOptions(spec, task.ownOptions ?? [], options)) at(problem);
  // Options from defaultArgs apply to the tasks they fit (option-applicability.ts) and are left off the others.
  const applies = (option: keyof TaskOptions) => optionApplies(option, spec);
  const executionTimeout = seconds(options.executionTimeout);
  const heartbeat = seconds(options.heartbeat);
  const outlets = outletsOf(options.outlets);
  for (const problem of outlets.problems) at(problem);
  const mappedOutlets = mappedOutletsCheck(spec, task.ownOptions ?? [], outlets.outlets.length);
  if (mappedOutlets.problem !== undefined) at(mappedOutlets.problem);
  const callbacks = (['onFailure', 'onRetry', 'onSuccess'] as const).filter(
    (name) => options[name] !== undefined && applies(name),
  );
  return {
    id: task.id,
    key,
    ...kindFields,
    upstream,
    inputs: sortedRecord(task.inputs),
    groups: task.groups,
    triggerRule: options.triggerRule ?? 'all_success',
    retry: applies('retries') ? retryOf(options, at) : retryOf({}, at),
    ...(executionTimeout !== undefined && applies('executionTimeout')
      ? { executionTimeoutSeconds: executionTimeout }
      : {}),
    ...(isWorker ? { heartbeatSeconds: heartbeat ?? DEFAULTS.workerHeartbeatSeconds } : {}),
    ...(options.pool !== undefined && applies('pool')
      ? { pool: { name: options.pool, slots: options.poolSlots ?? 1 } }
      : {}),
    queue: applies('queue') ? (options.queue ?? 'default') : 'default',
    // Every task's weight counts towards its upstream tasks' effective weights, worker or not.
    priorityWeight: options.priorityWeight ?? 1,
    // Only when not Airflow's default, so the IR of a DAG that never sets it stays as it was.
    ...(applies('weightRule') && options.weightRule !== undefined && options.weightRule !== 'downstream'
      ? { weightRule: options.weightRule }
      : {}),
    callbacks,
    ...(options.doc !== undefined ? { doc: options.doc } : {}),
    ...(outlets.outlets.length > 0 && mappedOutlets.keep ? { outlets: outlets.outlets } : {}),
    ...(applies('runAs') && options.runAs !== undefined ? { runAs: options.runAs } : {}),
    ...(task.setup === true ? { setup: true as const } : {}),
    ...(task.teardown !== undefined
      ? { teardown: { setups: task.teardown.setups, failsRun: task.teardown.onFailureFailDagrun } }
      : {}),
  };
}

function buildKindFields(
  spec: TaskSpec,
  taskId: string,
  upstream: string[],
  consumed: Set<string>,
  at: (problem: { field?: string; message: string }) => void,
  checkTemplates: (value: unknown, field: string) => void,
): TaskKindIR {
  /** True when `value` is JSON; templates are only looked for in JSON (a cycle would never end). */
  const json = (value: unknown, field: string): boolean => {
    const found = nonJsonPart(value, field);
    if (found !== undefined) at({ field: found.path, message: found.message });
    return found === undefined;
  };
  switch (spec.kind) {
    case 'code': {
      if (typeof spec.fn !== 'function') at({ field: 'fn', message: 'must be a function' });
      if (spec.fargate !== undefined) checkFargate(spec.fargate, at);
      if (spec.role === 'branch' || spec.role === 'short_circuit') consumed.add(taskId);
      const fields: CodeKindIR = {
        kind: 'code',
        role: spec.role,
        compute: spec.compute,
        ...(spec.fargate !== undefined ? { fargate: spec.fargate } : {}),
        ...(spec.role === 'short_circuit'
          ? { ignoreDownstreamTriggerRules: spec.ignoreDownstreamTriggerRules !== false }
          : {}),
      };
      if (spec.mapping === undefined) return fields;
      return { ...fields, mapping: mappingIr(spec.mapping, upstream, consumed, at, json) };
    }
    case 'lambda_invoke':
      if (typeof spec.functionName !== 'string' || spec.functionName === '') {
        at({ field: 'functionName', message: 'must be a Lambda function name or ARN' });
      }
      if (spec.payload === undefined || json(spec.payload, 'payload')) checkTemplates(spec.payload, 'payload');
      return {
        kind: 'lambda_invoke',
        lambda: { functionName: spec.functionName, ...(spec.payload !== undefined ? { payload: spec.payload } : {}) },
      };
    case 'container':
      checkFargate(spec.fargate, at);
      return { kind: 'container', fargate: spec.fargate };
    case 'native':
      // Fields are named as the author wrote them (`key`, `item.pk`), not by where the SDK keeps them.
      for (const [name, value] of Object.entries(spec.fields)) {
        if (value === undefined || value === '') at({ field: name, message: 'must be set' });
        else if (json(value, name)) checkTemplates(value, name);
      }
      for (const problem of dynamoAttributeProblems(spec.action, spec.fields)) at(problem);
      if (spec.action === 'aws_sdk') for (const problem of awsSdkProblems(spec.fields)) at(problem);
      return { kind: 'native', native: { action: spec.action, fields: spec.fields } };
    case 'wait': {
      if ((spec.duration === undefined) === (spec.until === undefined)) {
        at({ field: 'duration', message: 'set exactly one of duration and until' });
      }
      checkTemplates(spec.until, 'until');
      const wait = seconds(spec.duration, (message) => at({ field: 'duration', message }));
      return {
        kind: 'wait',
        wait: {
          ...(wait !== undefined ? { seconds: wait } : {}),
          ...(spec.until !== undefined ? { until: spec.until } : {}),
        },
      };
    }
    case 'empty':
      return { kind: 'empty' };
    case 'latest_only':
      return { kind: 'latest_only' };
    case 's3_sensor': {
      if ((spec.key === undefined) === (spec.prefix === undefined)) {
        at({ field: 'key', message: 'set exactly one of key and prefix' });
      }
      for (const name of ['bucket', 'key', 'prefix'] as const) checkTemplates(spec[name], name);
      return {
        kind: 's3_sensor',
        sensor: { ...sensorOf(spec.sensor, at), bucket: spec.bucket, ...pick(spec, ['key', 'prefix']) },
      };
    }
    case 'poll_sensor':
      if (typeof spec.fn !== 'function') at({ field: 'fn', message: 'must be a function' });
      return { kind: 'poll_sensor', compute: 'lambda', sensor: sensorOf(spec.sensor, at) };
    case 'trigger_dag':
      return triggerDagIr(spec, at, checkTemplates, json, sensorOf);
    case 'external_task_sensor':
      return externalTaskSensorIr(spec, at, checkTemplates, sensorOf);
  }
}

function sensorOf(options: SensorOptions, at: (problem: { field?: string; message: string }) => void): SensorIR {
  const parsed = sensorOptionsSchema.safeParse(options);
  if (!parsed.success) for (const problem of zodProblems(parsed.error)) at(problem);
  const poke = seconds(options.pokeInterval) ?? DEFAULTS.sensorPokeSeconds;
  const timeout = seconds(options.timeout) ?? DEFAULTS.sensorTimeoutSeconds;
  const maxWait = seconds(options.maxWait);
  if (poke < 1) at({ field: 'pokeInterval', message: 'must be at least 1 second' });
  if (timeout < poke) at({ field: 'timeout', message: `must be at least pokeInterval (${poke}s), got ${timeout}s` });
  return {
    pokeSeconds: Math.max(1, poke),
    timeoutSeconds: timeout,
    softFail: options.softFail === true,
    exponentialBackoff: options.exponentialBackoff === true,
    ...(maxWait !== undefined ? { maxWaitSeconds: maxWait } : {}),
  };
}

function checkFargate(options: unknown, at: (problem: { field?: string; message: string }) => void): void {
  const parsed = fargateOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    for (const problem of zodProblems(parsed.error, 'fargate')) at(problem);
    return;
  }
  const size = fargateSize(parsed.data.cpu, parsed.data.memory);
  if ('problem' in size) at({ field: 'fargate.memory', message: size.problem });
}

function retryOf(options: TaskOptions, at: (problem: { field?: string; message: string }) => void): RetryIR {
  const delay = seconds(options.retryDelay) ?? DEFAULTS.retryDelaySeconds;
  const maxDelay = seconds(options.maxRetryDelay);
  if (maxDelay !== undefined && maxDelay < delay) {
    at({ field: 'maxRetryDelay', message: `cannot be less than retryDelay (${maxDelay}s < ${delay}s)` });
  }
  return {
    retries:
      typeof options.retries === 'number' && Number.isInteger(options.retries) ? Math.max(0, options.retries) : 0,
    // Step Functions waits whole seconds, at least one.
    delaySeconds: Math.max(1, delay),
    backoffRate: options.exponentialBackoff === true ? 2 : 1,
    ...(maxDelay !== undefined ? { maxDelaySeconds: Math.max(1, maxDelay) } : {}),
    jitter: options.retryJitter === true,
  };
}

/** A duration in whole seconds (rounded up), or undefined when unset or invalid (the schema reports it). */
/** The alarm kinds a DAG asks for, sorted (a malformed value: none; the schema reported it). */
function dagAlarmsOf(value: Dag['options']['alarms']): DagAlarmKind[] {
  if (typeof value !== 'object' || value === null) return [];
  return DAG_ALARM_KINDS.filter((kind) => value[kind] === true);
}

/** The DAG's deadline as compiled; undefined when unset (or malformed: the schema reported it). */
function deadlineOf(value: Dag['options']['deadline']): DeadlineSpec | undefined {
  if (value === undefined || !DEADLINE_REFERENCES.includes(value.reference)) return undefined;
  const intervalSeconds = seconds(value.interval);
  if (intervalSeconds === undefined) return undefined;
  return { reference: value.reference, intervalSeconds, alert: value.alert !== false };
}

function seconds(value: unknown, onError?: (message: string) => void): number | undefined {
  if (value === undefined) return undefined;
  const parsed = tryParseDuration(value);
  if ('error' in parsed) {
    onError?.(parsed.error);
    return undefined;
  }
  // Options checked by the options schema report this there; a wait's duration is checked here only.
  const tooLong = durationLimitProblem(parsed.ms);
  if (tooLong !== undefined && onError !== undefined) {
    onError(tooLong);
    return undefined;
  }
  return Math.ceil(parsed.ms / 1000);
}

function optionalDate(field: 'startDate' | 'endDate', value: unknown): Record<string, string> {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? {} : { [field]: value.toISOString() };
  return typeof value === 'string' ? { [field]: value } : {};
}

/** Task and group edges resolved to task -> task pairs; a group stands for its first or last tasks. */
function resolveEdges(
  declaredEdges: ReadonlyArray<{ from: NodeKey; to: NodeKey }>,
  tasks: ReadonlyMap<string, DeclaredTask>,
  groups: ReadonlyMap<string, { id: string; parent?: string }>,
  at: At,
): Array<[string, string]> {
  const pairs = new Map<string, [string, string]>();
  const add = (from: string, to: string) => pairs.set(`${from}\u0000${to}`, [from, to]);
  const members = (groupId: string) =>
    [...tasks.values()].filter((task) => task.groups.includes(groupId)).map((task) => task.id);
  const groupEdges: Array<{ from: NodeKey; to: NodeKey }> = [];
  for (const edge of declaredEdges) {
    if (edge.from.kind === 'group' || edge.to.kind === 'group') {
      groupEdges.push(edge);
      continue;
    }
    if (!tasks.has(edge.from.id)) {
      at({ taskId: edge.to.id, field: 'upstream', message: `unknown upstream task '${edge.from.id}'` });
      continue;
    }
    if (edge.from.id === edge.to.id) {
      at({ taskId: edge.to.id, field: 'upstream', message: 'a task cannot depend on itself' });
      continue;
    }
    add(edge.from.id, edge.to.id);
  }
  // Innermost groups first, so an outer group's first/last tasks see the edges inside it.
  const depth = (id: string): number => {
    const parent = groups.get(id)?.parent;
    return parent === undefined ? 0 : 1 + depth(parent);
  };
  const groupDepth = (edge: { from: NodeKey; to: NodeKey }) =>
    Math.max(edge.from.kind === 'group' ? depth(edge.from.id) : -1, edge.to.kind === 'group' ? depth(edge.to.id) : -1);
  groupEdges.sort((a, b) => groupDepth(b) - groupDepth(a));
  for (const edge of groupEdges) {
    const side = (node: NodeKey, end: 'first' | 'last') => {
      if (node.kind === 'task') return [node.id];
      const inside = new Set(members(node.id));
      const internal = [...pairs.values()].filter(([from, to]) => inside.has(from) && inside.has(to));
      if (end === 'last') return groupLastTasks(inside, internal, (id) => tasks.get(id)!);
      const linked = new Set(internal.map(([, to]) => to));
      return [...inside].filter((id) => !linked.has(id));
    };
    const froms = side(edge.from, 'last');
    const tos = side(edge.to, 'first');
    if (froms.length === 0 || tos.length === 0) {
      // Name the side that declared the dependency on the empty group, as for an unknown upstream task.
      const [empty, other, field] =
        froms.length === 0 ? [edge.from.id, edge.to.id, 'upstream'] : [edge.to.id, edge.from.id, 'downstream'];
      at({ taskId: other, field, message: `group '${empty}' has no tasks to depend on` });
    }
    for (const from of froms) for (const to of tos) if (from !== to) add(from, to);
  }
  return [...pairs.values()];
}

/**
 * Payload keys: JSONPath dot notation only reads `[A-Za-z0-9_]`, so other characters become `_`; a collision
 * gets a numeric suffix, decided in sorted id order so the same DAG always gets the same keys.
 */
function payloadKeys(sortedIds: readonly string[]): Map<string, string> {
  const keys = new Map<string, string>();
  const used = new Set<string>();
  for (const id of sortedIds) {
    const base = id.replace(/[^A-Za-z0-9_]/g, '_');
    let key = /^[0-9]/.test(base) ? `_${base}` : base;
    for (let n = 2; used.has(key); n++) key = `${base}_${n}`;
    used.add(key);
    keys.set(id, key);
  }
  return keys;
}

function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

/** Code-point order, independent of locale, so output is byte-identical everywhere. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
