/**
 * What the pinned emulators cannot serve of Airstep's ASL, found by probing them (each moto entry is pinned by
 * `moto-probe.test.ts`, so an emulator upgrade that closes a gap shows up there). A case that hits a gap stays in
 * the suite: it is left out of that emulator's comparison under the gap's name, and the local engine's result is
 * still checked against Airflow's semantics. The engine and the compiler are never bent to match an emulator.
 */
export const MOTO_GAPS = {
  'parallel-merge':
    'moto 5.2.5 evaluates a JSONPath with an array index followed by a field ($[0].tasks) to a one-element list ' +
    '(its fix for getmoto/moto#7825 is too broad), so the ResultSelector that merges the branch payloads of every ' +
    'Parallel state fails with States.Runtime. Every DAG that is not a single chain compiles to a Parallel.',
  'retry-reuses-token':
    'moto 5.2.5 keeps one task token (and its callback endpoint) across the Retry attempts of a state. Without ' +
    'HeartbeatSeconds a retried attempt ends at once with the previous attempt’s answer (a timed-out try is ' +
    'retried into an immediate States.Timeout); with it, the retried attempt takes the first answer sent to the ' +
    'token, so a late answer from the timed-out try completes the retry (AWS refuses it: each attempt has its ' +
    'own token). Airstep emits HeartbeatSeconds on every worker task unless its executionTimeout is not longer.',
  's3-result-timestamps':
    'moto 5.2.5 runs aws-sdk:s3:listObjectsV2 (when objects are found) and aws-sdk:s3:copyObject, but ' +
    'DescribeExecution then answers HTTP 500: it cannot serialise the LastModified timestamp in the result.',
  'timestamp-offset':
    'moto 5.2.5 accepts only "…Z" timestamps in a Wait state’s TimestampPath and fails "2026-11-22T06:00:00+00:00" ' +
    '(the form of Airstep’s ctx timestamps, which `wait({ until })` reads) with States.Runtime. The ASL spec asks ' +
    'for RFC 3339, which allows a numeric offset; not verified on AWS here.',
} as const;

export type MotoGap = keyof typeof MOTO_GAPS;

/**
 * Differences that touch every case and are handled by what is compared, not by leaving cases out: they are
 * pinned by `moto-probe.test.ts` too.
 */
export const MOTO_FIELD_GAPS = {
  'TIMED_OUT error':
    'moto 5.2.5 reports a timed-out execution (state machine TimeoutSeconds) with no error; the local engine ' +
    'reports States.Timeout, as the ExecutionTimedOut event does on AWS: the status is compared, the error is ' +
    'checked against the expected outcome only',
  Cause:
    'moto 5.2.5 drops the cause of SendTaskFailure (Catch output has Cause null): task errors are compared by name',
  'States.HeartbeatTimeout':
    'moto 5.2.5 cannot match States.HeartbeatTimeout in Retry/Catch (a lost heartbeat is States.Timeout on both); ' +
    'Airstep’s ASL catches States.ALL, so no case depends on it',
} as const;

export type MotoFieldGap = keyof typeof MOTO_FIELD_GAPS;

export const MINISTACK_GAPS = {
  'retry-beside-waiting-branch':
    'MiniStack 1.5.33: a Retry in one Parallel branch while a sibling branch waits on a task token leaves the ' +
    'execution RUNNING forever (the sibling’s answer is lost)',
  'no-heartbeat-timeout': 'MiniStack 1.5.33 ignores HeartbeatSeconds: heartbeat loss never times out',
  'sdk-numbers-as-strings':
    'MiniStack 1.5.33 returns the numbers of an aws-sdk:s3:listObjectsV2 result as strings (KeyCount "1", Size ' +
    '"28"); AWS and the local engine return numbers',
} as const;

export type MiniStackGap = keyof typeof MINISTACK_GAPS;
