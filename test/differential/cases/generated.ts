import { dag } from '../../../lib/sdk/dag.ts';
import type { TaskRef } from '../../../lib/sdk/task-ref.ts';
import {
  byCall,
  byItem,
  fail,
  failTimes,
  nonRetryable,
  skip,
  sleepThen,
  succeed,
  succeedWith,
} from '../harness/behaviour.ts';
import type { DifferentialCase } from '../harness/case.ts';

/**
 * Generated DAGs, one behaviour each: retries, errors, timeouts, heartbeats, branch, short-circuit, mapping and
 * sensors. Each is a chain (no Parallel state), so moto can run it unless a gap is named.
 */
const noop = async () => null;

function retries(): DifferentialCase[] {
  const twice = dag({ id: 'diff_retries' });
  const flaky = twice.task('flaky', { retries: 2, retryDelay: 1 }, noop);
  twice.task('after', { inputs: { flaky } }, noop);

  const backoff = dag({ id: 'diff_retry_backoff' });
  const shaky = backoff.task(
    'shaky',
    { retries: 3, retryDelay: 1, exponentialBackoff: true, maxRetryDelay: '2 seconds', retryJitter: true },
    noop,
  );
  backoff.task('after', { inputs: { shaky } }, noop);

  const exhausted = dag({ id: 'diff_retries_exhausted' });
  exhausted.task('broken', { retries: 1, retryDelay: 1 }, noop).then(exhausted.task('after', noop));

  const doomed = dag({ id: 'diff_non_retryable' });
  doomed.task('doomed', { retries: 3, retryDelay: 1 }, noop).then(doomed.task('after', noop));

  const skipping = dag({ id: 'diff_skip_error' });
  skipping
    .task('check', { retries: 3, retryDelay: 1 }, noop)
    .then(skipping.task('load', noop))
    .then(skipping.task('report', { triggerRule: 'none_failed' }, noop));

  const typed = dag({ id: 'diff_error_name' });
  typed.task('typo', noop).then(typed.task('after', { triggerRule: 'all_failed' }, noop));

  return [
    {
      name: 'retries: fail twice, then succeed',
      dag: twice,
      behaviours: {
        flaky: failTimes(2, succeed('third time lucky')),
        after: succeedWith((message) => `after ${message.inputs.flaky}`),
      },
      expected: {
        status: 'SUCCEEDED',
        tasks: { flaky: { state: 'success', try: 3, output: 'third time lucky' }, after: { state: 'success', try: 1 } },
        tries: { flaky: 3, after: 1 },
      },
    },
    {
      name: 'retries with exponential backoff, maxRetryDelay and jitter: fail three times, then succeed',
      dag: backoff,
      behaviours: { shaky: failTimes(3, succeed('fourth')) },
      expected: {
        status: 'SUCCEEDED',
        tasks: { shaky: { state: 'success', try: 4, output: 'fourth' }, after: { state: 'success', try: 1 } },
        tries: { shaky: 4, after: 1 },
      },
    },
    {
      name: 'retries exhausted: failed, downstream upstream_failed',
      dag: exhausted,
      behaviours: { broken: fail() },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: { broken: { state: 'failed', error: 'Error' }, after: { state: 'upstream_failed' } },
        tries: { broken: 2 },
      },
    },
    {
      name: 'NonRetryableError fails at once, whatever retries says',
      dag: doomed,
      behaviours: { doomed: nonRetryable() },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: { doomed: { state: 'failed', error: 'NonRetryableError' }, after: { state: 'upstream_failed' } },
        tries: { doomed: 1 },
      },
    },
    {
      name: 'SkipError skips at once, whatever retries says; all_success below skips, none_failed below that runs',
      dag: skipping,
      behaviours: { check: skip('no new files') },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          check: { state: 'skipped', output: null, skip: 'SkipError' },
          load: { state: 'skipped' },
          report: { state: 'success', try: 1 },
        },
        tries: { check: 1, report: 1 },
      },
    },
    {
      name: "a thrown error's own name is the task's error (TypeError), and all_failed runs after it",
      dag: typed,
      behaviours: { typo: fail('TypeError') },
      expected: {
        status: 'SUCCEEDED',
        tasks: { typo: { state: 'failed', error: 'TypeError' }, after: { state: 'success', try: 1 } },
        tries: { typo: 1, after: 1 },
      },
    },
  ];
}

function timeouts(): DifferentialCase[] {
  const timeout = dag({ id: 'diff_timeout' });
  timeout.task('slow', { executionTimeout: '1 second' }, noop).then(timeout.task('after', noop));

  // 4 s, not 1: the retry's prompt answer must arrive within it, through the emulator's queue on a loaded machine.
  const retried = dag({ id: 'diff_timeout_retried' });
  const slow = retried.task('slow', { executionTimeout: '4 seconds', retries: 1, retryDelay: 1 }, noop);
  retried.task('after', { inputs: { slow } }, noop);

  // Heartbeats of 2 s, not 1: a message may wait in the queue a while on a loaded machine, and on AWS as here the
  // heartbeat clock starts when the message is sent.
  // HeartbeatSeconds of 4: a prompt answer or a heartbeat has seconds to arrive even on a loaded machine (2 s was
  // once too little for moto's retry to be answered); the silences below are well past it.
  const lost = dag({ id: 'diff_heartbeat_lost' });
  lost.task('silent', { heartbeat: '4 seconds' }, noop).then(lost.task('after', noop));

  const kept = dag({ id: 'diff_heartbeat_kept' });
  kept.task('chatty', { heartbeat: '4 seconds' }, noop).then(kept.task('after', noop));

  const stopped = dag({ id: 'diff_heartbeat_stops' });
  const hung = stopped.task('hung', { heartbeat: '4 seconds', retries: 1, retryDelay: 1 }, noop);
  stopped.task('after', { inputs: { hung } }, noop);

  const lateAnswer = dag({ id: 'diff_late_answer' });
  const late = lateAnswer.task('hung', { heartbeat: '4 seconds', retries: 1, retryDelay: 1 }, noop);
  lateAnswer.task('after', { inputs: { hung: late } }, noop);

  // 8 s, not less: on a loaded machine moto must still dispatch `endless` before the run times out.
  const runTimeout = dag({ id: 'diff_dagrun_timeout', dagrunTimeout: '8 seconds' });
  const quick = runTimeout.task('quick', noop);
  runTimeout.task('endless', { inputs: { quick } }, noop);

  // 8 s past a 1 s executionTimeout: under load an emulator's timeout can fire seconds late, and the late answer
  // must still come after it (once, a 2.5 s answer lost that race on a loaded machine).
  const tooLate = sleepThen(8, succeed('too late'));
  return [
    {
      name: 'executionTimeout: the try fails with States.Timeout',
      dag: timeout,
      speed: 5,
      behaviours: { slow: tooLate },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: { slow: { state: 'failed', error: 'States.Timeout' }, after: { state: 'upstream_failed' } },
        tries: { slow: 1 },
      },
    },
    {
      name: 'executionTimeout, then a retry that succeeds',
      dag: retried,
      speed: 2,
      behaviours: { slow: { kind: 'byTry', tries: [sleepThen(12, succeed('too late')), succeed('second try')] } },
      // moto 5.2.5: the retry reuses the timed-out attempt's token and times out at once (no HeartbeatSeconds,
      // since executionTimeout 1 s is shorter than the 2-minute heartbeat).
      motoGaps: ['retry-reuses-token'],
      expected: {
        status: 'SUCCEEDED',
        tasks: { slow: { state: 'success', try: 2, output: 'second try' }, after: { state: 'success', try: 1 } },
        tries: { slow: 2, after: 1 },
      },
    },
    {
      name: 'heartbeat loss: States.Timeout (a Retry or Catch may match it as States.HeartbeatTimeout)',
      dag: lost,
      speed: 2,
      behaviours: { silent: sleepThen(8, succeed('too late')) },
      ministackGaps: ['no-heartbeat-timeout'],
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: { silent: { state: 'failed', error: 'States.Timeout' }, after: { state: 'upstream_failed' } },
        tries: { silent: 1 },
      },
    },
    {
      name: 'heartbeats keep a try alive past HeartbeatSeconds',
      dag: kept,
      speed: 2,
      behaviours: { chatty: sleepThen(9, succeed('alive'), { every: 0.4 }) },
      expected: {
        status: 'SUCCEEDED',
        tasks: { chatty: { state: 'success', try: 1 }, after: { state: 'success', try: 1 } },
        tries: { chatty: 1, after: 1 },
      },
    },
    {
      name: 'a try that stops heartbeating times out and is retried',
      dag: stopped,
      speed: 2,
      behaviours: {
        // The hung try answers long after its retry has ended the run: such an answer is refused on both sides.
        hung: { kind: 'byTry', tries: [sleepThen(16, succeed('too late'), { every: 0.4, for: 0.8 }), succeed('back')] },
      },
      ministackGaps: ['no-heartbeat-timeout'],
      expected: {
        status: 'SUCCEEDED',
        tasks: { hung: { state: 'success', try: 2, output: 'back' }, after: { state: 'success', try: 1 } },
        tries: { hung: 2, after: 1 },
      },
    },
    {
      name: 'a late answer from a timed-out try does not complete its retry',
      dag: lateAnswer,
      speed: 2,
      behaviours: {
        hung: {
          kind: 'byTry',
          tries: [
            // Times out at 4.8 s; its answer at 7 s comes while the retry (from about 5.8 s to 9.8 s) runs.
            sleepThen(7, succeed('too late'), { every: 0.4, for: 0.8 }),
            sleepThen(4, succeed('back'), { every: 0.4 }),
          ],
        },
      },
      // moto 5.2.5: the retry shares the first try's token, so the first try's late answer completes it.
      motoGaps: ['retry-reuses-token'],
      ministackGaps: ['no-heartbeat-timeout'],
      expected: {
        status: 'SUCCEEDED',
        tasks: { hung: { state: 'success', try: 2, output: 'back' }, after: { state: 'success', try: 1 } },
        tries: { hung: 2, after: 1 },
      },
    },
    {
      name: 'dagrunTimeout: the execution times out while a task runs',
      dag: runTimeout,
      speed: 5,
      behaviours: { quick: succeed('quick done'), endless: sleepThen(10, succeed('too late')) },
      // moto 5.2.5 gives a TIMED_OUT execution no error; everything else is compared.
      motoFieldGaps: ['TIMED_OUT error'],
      expected: {
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        tasks: { quick: { state: 'success', try: 1, output: 'quick done' } },
        tries: { quick: 1, endless: 1 },
      },
    },
  ];
}

function branching(): DifferentialCase[] {
  // pick -> a -> b -> c, and pick -> b: a chain, so no Parallel; b runs after a follow or a skip of a.
  const build = (id: string) => {
    const d = dag({ id });
    const pick = d.branch('pick', async () => []);
    const a = d.task('a', { upstream: pick }, noop);
    const b = d.task('b', { upstream: [pick, a], triggerRule: 'none_failed_min_one_success' }, noop);
    d.task('c', { upstream: b }, noop);
    return d;
  };
  const follow = (ids: string[]) => Object.fromEntries(['a', 'b'].map((id) => [id, ids.includes(id)]));
  return [
    {
      name: 'branch follows the later task: the skipped one in between does not stop it',
      dag: build('diff_branch_b'),
      behaviours: { pick: succeed(['b']) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          pick: { state: 'success', try: 1, follow: follow(['b']) },
          a: { state: 'skipped' },
          b: { state: 'success', try: 1 },
          c: { state: 'success', try: 1 },
        },
      },
    },
    {
      name: 'branch follows the first task: a task downstream of it is kept even if not chosen',
      dag: build('diff_branch_a'),
      behaviours: { pick: succeed(['a']) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          pick: { state: 'success', try: 1, follow: follow(['a']) },
          a: { state: 'success', try: 1 },
          b: { state: 'success', try: 1 },
          c: { state: 'success', try: 1 },
        },
      },
    },
    {
      name: 'branch follows nothing: everything below is skipped',
      dag: build('diff_branch_none'),
      behaviours: { pick: succeed([]) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          pick: { state: 'success', try: 1, follow: follow([]) },
          a: { state: 'skipped' },
          b: { state: 'skipped' },
          c: { state: 'skipped' },
        },
        tries: { pick: 1 },
      },
    },
  ];
}

function shortCircuits(): DifferentialCase[] {
  const build = (id: string, ignoreDownstreamTriggerRules: boolean) => {
    const d = dag({ id });
    const gate = d.shortCircuit('gate', { ignoreDownstreamTriggerRules }, async () => true);
    const next = d.task('next', { upstream: gate }, noop);
    d.task('cleanup', { upstream: next, triggerRule: 'all_done' }, noop);
    return d;
  };
  return [
    {
      name: 'short-circuit true: everything runs',
      dag: build('diff_sc_true', true),
      behaviours: { gate: succeed(true) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          gate: { state: 'success', try: 1 },
          next: { state: 'success', try: 1 },
          cleanup: { state: 'success', try: 1 },
        },
      },
    },
    {
      name: 'short-circuit false (ignoreDownstreamTriggerRules): everything below is skipped, all_done too',
      dag: build('diff_sc_hard', true),
      behaviours: { gate: succeed(false) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          gate: { state: 'success', try: 1 },
          next: { state: 'skipped', sc: true },
          cleanup: { state: 'skipped', sc: true },
        },
        tries: { gate: 1 },
      },
    },
    {
      name: 'short-circuit false (ignoreDownstreamTriggerRules: false): only direct downstream is skipped',
      dag: build('diff_sc_soft', false),
      behaviours: { gate: succeed(false) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          gate: { state: 'success', try: 1 },
          next: { state: 'skipped' },
          cleanup: { state: 'success', try: 1 },
        },
        tries: { gate: 1, cleanup: 1 },
      },
    },
  ];
}

function mapping(): DifferentialCase[] {
  const build = (id: string, options: { retries?: number; maxMapConcurrency?: number } = {}) => {
    const d = dag({ id });
    const list = d.task('list', async () => [] as string[]);
    const each = d.expand(
      'each',
      { over: list, partial: { suffix: '!' }, ...(options.retries !== undefined ? { retryDelay: 1 } : {}), ...options },
      async (_ctx, item: string) => item,
    );
    d.task('combine', { inputs: { each } }, noop);
    return d;
  };
  const shout = succeedWith((message) => `${message.item}${(message.partial as { suffix: string }).suffix}`);
  const joined = succeedWith((message) => (message.inputs.each as unknown[]).join(','));

  // A chain: gate skips itself; each (all_done) maps over a literal list; after reads both records in a Choice.
  const mixed = dag({ id: 'diff_map_items_mixed' });
  const gate = mixed.task('gate', noop);
  const items = mixed.expand('each', { over: ['a', 'b', 'c'], upstream: gate, triggerRule: 'all_done' }, noop);
  mixed.task('after', { upstream: [gate, items], triggerRule: 'one_success' }, noop);

  const literal = dag({ id: 'diff_map_literal' });
  const doubled = literal.expand('double', { over: [{ n: 1 }, { n: 2 }, { n: 3 }] }, async (_ctx, item) => item.n * 2);
  literal.task('total', { inputs: { doubled } }, noop);

  return [
    {
      name: 'mapping: items run with partial arguments at most two at a time; one item fails twice, then succeeds',
      dag: build('diff_map', { retries: 2, maxMapConcurrency: 2 }),
      behaviours: { list: succeed(['a', 'b', 'c']), each: byItem({ 1: failTimes(2, shout) }, shout), combine: joined },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          list: { state: 'success', try: 1, output: ['a', 'b', 'c'] },
          each: { state: 'success', output: ['a!', 'b!', 'c!'] },
          combine: { state: 'success', try: 1 },
        },
        tries: { list: 1, 'each[0]': 1, 'each[1]': 3, 'each[2]': 1, combine: 1 },
      },
    },
    {
      name: 'mapping: an item that throws SkipError is skipped at once; the mapped task is skipped, so is all_success below',
      dag: build('diff_map_item_skips', { retries: 2 }),
      behaviours: { list: succeed(['a', 'b', 'c']), each: byItem({ 1: skip('empty partition') }, shout) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          list: { state: 'success', try: 1, output: ['a', 'b', 'c'] },
          each: { state: 'skipped', output: ['a!', null, 'c!'] },
          combine: { state: 'skipped' },
        },
        tries: { list: 1, 'each[0]': 1, 'each[1]': 1, 'each[2]': 1 },
      },
    },
    {
      name: 'mapping: items that succeeded beside one that skipped itself count for one_success, as Airflow counts items',
      dag: mixed,
      // `after` is decided early (one_success): it waits at a gate beside its upstream tasks, in a Parallel.
      motoGaps: ['parallel-merge'],
      behaviours: { gate: skip('closed'), each: byItem({ 1: skip('empty') }) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          gate: { state: 'skipped', skip: 'SkipError' },
          each: { state: 'skipped', someSucceeded: true },
          after: { state: 'success', try: 1 },
        },
        tries: { gate: 1, 'each[0]': 1, 'each[1]': 1, 'each[2]': 1, after: 1 },
      },
    },
    {
      name: 'mapping: a failed item fails the mapped task while the other items finish',
      dag: build('diff_map_item_fails'),
      behaviours: { list: succeed(['a', 'b', 'c']), each: byItem({ 1: nonRetryable() }, shout) },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: {
          list: { state: 'success', try: 1, output: ['a', 'b', 'c'] },
          each: { state: 'failed', output: ['a!', null, 'c!'], error: 'MappedItemFailed' },
          combine: { state: 'upstream_failed' },
        },
        tries: { list: 1, 'each[0]': 1, 'each[1]': 1, 'each[2]': 1 },
      },
    },
    {
      name: 'mapping over an empty list skips the mapped task and what needs it',
      dag: build('diff_map_empty'),
      behaviours: { list: succeed([]) },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          list: { state: 'success', try: 1, output: [] },
          each: { state: 'skipped' },
          combine: { state: 'skipped' },
        },
        tries: { list: 1 },
      },
    },
    {
      name: 'mapping over a literal list of objects',
      dag: literal,
      behaviours: { double: succeedWith((message) => (message.item as { n: number }).n * 2) },
      expected: {
        status: 'SUCCEEDED',
        tasks: { double: { state: 'success', output: [2, 4, 6] }, total: { state: 'success', try: 1 } },
        tries: { 'double[0]': 1, 'double[1]': 1, 'double[2]': 1, total: 1 },
      },
    },
  ];
}

function sensors(): DifferentialCase[] {
  const poll = dag({ id: 'diff_sensor' });
  const ready = poll.sensor('ready', { pokeInterval: '1 second', timeout: '10 seconds' }, async () => false);
  poll.task('use', { inputs: { ready } }, noop);

  const never = dag({ id: 'diff_sensor_soft_fail' });
  never
    .sensor('never_ready', { pokeInterval: '1 second', timeout: '2 seconds', softFail: true }, async () => false)
    .then(never.task('after', noop));

  const notYet = succeed({ done: false, value: null });
  return [
    {
      name: 'poll sensor: pokes until done (third poke), then hands its value on',
      dag: poll,
      behaviours: {
        ready: byCall(notYet, notYet, succeed({ done: true, value: 'file.csv' })),
        use: succeedWith((message) => `using ${message.inputs.ready}`),
      },
      expected: {
        status: 'SUCCEEDED',
        tasks: { ready: { state: 'success', try: 1, output: 'file.csv' }, use: { state: 'success', try: 1 } },
        tries: { ready: 3, use: 1 },
      },
    },
    {
      name: 'poll sensor with softFail: skipped after its timeout, and so is what follows',
      dag: never,
      behaviours: { never_ready: notYet },
      expected: {
        status: 'SUCCEEDED',
        tasks: { never_ready: { state: 'skipped' }, after: { state: 'skipped' } },
        tries: { never_ready: 3 },
      },
    },
  ];
}

function payloads(): DifferentialCase[] {
  // XCom values of every JSON kind pass through the payload, the messages and the answers unchanged.
  const values = dag({ id: 'diff_json_values' });
  const produce = values.task('produce', noop);
  values.task('consume', { inputs: { produce } }, noop);
  const value = {
    text: 'ünïcødé "quoted" \\ back\nslash 🚀',
    numbers: [0, -3, 1.5, 1e-7, 2 ** 40, 12345.678],
    flags: [true, false, null],
    nested: { empty: {}, none: [], deep: [[{ x: 'y' }]] },
    'dotted.key': 'and $ dollar',
  };

  // Task groups prefix ids (`extract.orders`); the ids are escaped into payload keys and state names.
  const grouped = dag({ id: 'diff_groups' });
  let orders: TaskRef<unknown> | undefined;
  grouped.group('extract', (g) => {
    orders = g.task('orders', noop);
  });
  grouped.group('load', (g) => {
    g.task('orders', { inputs: { orders: orders! } }, noop);
  });

  // Waits and empty steps: Wait with Seconds, a Pass join; and a Wait until a templated timestamp.
  const waits = dag({ id: 'diff_waits' });
  const first = waits.task('first', noop);
  const pause = waits.wait('pause', { duration: '1 second', upstream: first });
  const join = waits.empty('join', { upstream: pause });
  waits.task('last', { upstream: join }, noop);

  const until = dag({ id: 'diff_wait_until' });
  const start = until.wait('until_start', { until: '{{ ts }}' });
  until.task('after', { upstream: start }, noop);

  // A sensor whose wait doubles up to a cap between pokes (States.MathAdd and an And choice).
  const backoff = dag({ id: 'diff_sensor_backoff' });
  backoff.sensor(
    'growing',
    { pokeInterval: '1 second', exponentialBackoff: true, maxWait: '2 seconds', timeout: '5 seconds' },
    async () => false,
  );

  // Results that travel inline until the payload is over Step Functions' 256 KiB quota.
  const heavy = dag({ id: 'diff_payload_limit' });
  const a = heavy.task('a', noop);
  const b = heavy.task('b', { inputs: { a } }, noop);
  const c = heavy.task('c', { inputs: { b } }, noop);
  heavy.task('d', { inputs: { c } }, noop);
  const big = succeed('x'.repeat(100_000));

  const notYet = succeed({ done: false, value: null });
  return [
    {
      name: 'a payload over 256 KiB fails the run with States.DataLimitExceeded',
      dag: heavy,
      behaviours: { a: big, b: big, c: big },
      expected: {
        status: 'FAILED',
        error: 'States.DataLimitExceeded',
        tasks: { a: { state: 'success', try: 1 }, b: { state: 'success', try: 1 } },
        tries: { a: 1, b: 1, c: 1 },
      },
    },
    {
      name: 'XCom values of every JSON kind arrive unchanged',
      dag: values,
      behaviours: { produce: succeed(value), consume: succeedWith((message) => message.inputs.produce) },
      expected: {
        status: 'SUCCEEDED',
        tasks: { produce: { state: 'success', try: 1, output: value }, consume: { state: 'success', try: 1 } },
      },
    },
    {
      name: 'task groups: prefixed ids carry their records and inputs',
      dag: grouped,
      behaviours: {
        'extract.orders': succeed(['o1', 'o2']),
        'load.orders': succeedWith((message) => (message.inputs.orders as string[]).length),
      },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          'extract.orders': { state: 'success', try: 1, output: ['o1', 'o2'] },
          'load.orders': { state: 'success', try: 1 },
        },
      },
    },
    {
      name: 'a wait of some seconds and an empty join',
      dag: waits,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          first: { state: 'success', try: 1 },
          pause: { state: 'success', output: null },
          join: { state: 'success', output: null },
          last: { state: 'success', try: 1 },
        },
        tries: { first: 1, last: 1 },
      },
    },
    {
      name: "a wait until a templated timestamp (the run's ts, already past)",
      dag: until,
      // moto 5.2.5 rejects the +00:00 offset of Airstep's timestamps in TimestampPath.
      motoGaps: ['timestamp-offset'],
      expected: {
        status: 'SUCCEEDED',
        tasks: { until_start: { state: 'success', output: null }, after: { state: 'success', try: 1 } },
        tries: { after: 1 },
      },
    },
    {
      name: 'a sensor with exponential backoff and a capped wait times out after the planned pokes',
      dag: backoff,
      behaviours: { growing: notYet },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: { growing: { state: 'failed', output: null, error: 'SensorTimeout' } },
        // The compiler's plan (pokesUntilTimeout): pokes at 0 s, then after waits of 1, 1, 2 and 2 s (the cap).
        tries: { growing: 5 },
      },
    },
  ];
}

export function generatedCases(): DifferentialCase[] {
  return [...retries(), ...timeouts(), ...branching(), ...shortCircuits(), ...mapping(), ...sensors(), ...payloads()];
}
