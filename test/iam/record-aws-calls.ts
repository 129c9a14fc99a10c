import { Client } from '@smithy/core/client';
import { afterAll, inject } from 'vitest';
import type { Json } from '../constructs/stack-template.ts';
import { describeDenials, IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import { currentRole } from './stack-role.ts';

/**
 * Setup file of every test file: records each AWS SDK call made while a role's code runs (see `asRole`) and, when
 * the file ends, fails it with the role, action and resource of every call the synthesized template's IAM does not
 * allow. Emulators enforce no IAM; this is where a missing grant shows before an account does.
 *
 * The SDK's base client is patched once per worker thread; each test file hands it a fresh list.
 */
const SINK_KEY = Symbol.for('airstep.iam.recorded-calls');
const PATCHED = Symbol.for('airstep.iam.patched');
type Globals = { [SINK_KEY]?: RecordedCall[] };
const globals = globalThis as Globals;
const calls: RecordedCall[] = [];
globals[SINK_KEY] = calls;

const prototype = Client.prototype as unknown as Record<symbol, boolean> & {
  send(
    this: { config: { serviceId?: string } },
    command: { input: Json; constructor: { name: string } },
    ...rest: unknown[]
  ): unknown;
};
if (!prototype[PATCHED]) {
  const send = prototype.send;
  prototype.send = function recordedSend(command, ...rest) {
    const scope = currentRole();
    if (scope !== undefined)
      (globalThis as Globals)[SINK_KEY]?.push({
        role: scope.role,
        service: this.config.serviceId ?? 'unknown',
        command: command.constructor.name.replace(/Command$/, ''),
        input: shallowInput(command.input),
        env: { ...airstepVariables(), ...scope.variables },
      });
    return send.call(this, command, ...rest);
  };
  prototype[PATCHED] = true;
}

/** The input without bodies and long texts (a state machine definition), which no authorization reads. */
function shallowInput(input: Json): Json {
  if (input === null || typeof input !== 'object') return input;
  return JSON.parse(
    JSON.stringify(input, (key, value) =>
      key === 'Body' || key === 'definition' || (typeof value === 'string' && value.length > 2048) ? undefined : value,
    ),
  );
}

function airstepVariables(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('AIRSTEP_')),
  );
}

afterAll(async () => {
  if (calls.length === 0) return;
  const check = new IamCheck(await readStackFacts(inject('iamStackFacts')));
  const denials = await check.denials(calls);
  // AIRSTEP_IAM_REPORT=1 prints what each file's check covered (the closing figures of issue 10 come from it).
  if (process.env.AIRSTEP_IAM_REPORT === '1') {
    const byRole = new Map<string, number>();
    for (const call of calls) byRole.set(call.role, (byRole.get(call.role) ?? 0) + 1);
    const summary = [...byRole].map(([role, made]) => `${role} ${made}`);
    console.log(`IAM check: ${calls.length} calls (${summary.join(', ')}), ${denials.length} denied`);
  }
  if (denials.length > 0) throw new IamDenied(describeDenials(denials));
});

class IamDenied extends Error {
  override readonly name = 'IamDenied';
}
