/**
 * What each emulator cannot serve, found by probing it with Airstep's ASL (moto 5.2.5, MiniStack 1.5.33). A case
 * that needs one of these runs on the other emulator; none is left out of the comparison entirely, and the local
 * engine is never bent to match an emulator.
 */
export const MOTO_GAPS = {
  'JSONPath [n].field':
    "moto evaluates a path with an array index followed by a field ($[0].tasks) to a list, so every Parallel's " +
    'ResultSelector (merging branch payloads) fails with States.Runtime: Parallel, Map and gate cases run on MiniStack',
} as const;

export const MINISTACK_GAPS = {
  HeartbeatSeconds: 'ignored: heartbeat loss never times out; compared on moto',
  'TimeoutSeconds (state machine)': 'ignored; task-level TimeoutSeconds is compared on moto',
  'error names': 'drops the service prefix of integration errors; worker errors (SendTaskFailure) are unaffected',
  'Retry beside a waiting branch':
    'a Retry in one Parallel branch while a sibling branch waits on a task token leaves the execution RUNNING ' +
    'forever (the sibling answer is lost); such cases check the local engine against the expected outcome',
} as const;
