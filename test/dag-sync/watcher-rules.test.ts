import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyInputTransformer } from '../../lib/assets/apply-input-transformer.ts';
import { matchesEventPattern } from '../../lib/assets/event-pattern-match.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { syncWatcherRules, type WatcherRuleSettings, watcherRuleName } from '../../lib/dag-sync/watcher-rules.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { type Asset, asset, dag, eventPattern, s3ObjectCreated } from '../../lib/sdk/index.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import type { Json } from '../constructs/stack-template.ts';
import { IamCheck } from '../iam/check-calls.ts';
import type { RecordedCall } from '../iam/iam-requests.ts';
import { readStackFacts } from '../iam/stack-facts-file.ts';

/**
 * dag-sync's watcher rules against moto's EventBridge (PutRule, PutTargets, ListRules, RemoveTargets, DeleteRule):
 * made for a DAG's watched assets, changed when its watchers change, deleted when it loses them; every call it made
 * evaluated against the synthesized template's IAM (dag-sync's role), and the calls it must not make refused.
 */
let moto: RunningEmulator;
let events: EventBridgeClient;
const calls: RecordedCall[] = [];
const TRIGGER = 'arn:aws:lambda:us-east-1:123456789012:function:test-trigger';
const env = { [STACK_ENV.namePrefix]: 'test', [STACK_ENV.triggerFunctionArn]: TRIGGER };
let settings: WatcherRuleSettings;

beforeAll(async () => {
  moto = await startEmulator('moto');
  events = new EventBridgeClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  // Every call dag-sync's code makes, as the IAM check reads them.
  const recording = {
    send: (command: { constructor: { name: string }; input: unknown }) => {
      calls.push({
        role: 'dagSync',
        service: 'EventBridge',
        command: command.constructor.name.replace(/Command$/, ''),
        input: command.input as Json,
        env,
      });
      return events.send(command as never);
    },
  } as unknown as EventBridgeClient;
  settings = { events: recording, namePrefix: 'test', triggerArn: TRIGGER };
}, 180_000);
afterAll(async () => {
  await moto?.stop();
});

const assetsOf = (...assets: Asset[]) => {
  const d = dag({ id: 'ingest_orders', schedule: assets });
  d.task('load', async () => 1);
  const compiled = compileDag(d);
  expect(compiled.problems).toEqual([]);
  return compiled.ir.assets;
};
const rulesNow = async () =>
  ((await events.send(new ListRulesCommand({ NamePrefix: 'test-watch-' }))).Rules ?? [])
    .map((rule) => rule.Name!)
    .sort();

const landing = asset('s3://my-bucket/landing/orders/', { watchers: [s3ObjectCreated()] });
const placed = (name: string) =>
  asset('events://orders/placed', {
    watchers: [eventPattern(name, { source: ['shop.orders'], 'detail-type': ['Order Placed'] })],
  });

describe('Function: syncWatcherRules (moto EventBridge)', () => {
  it('makes one rule per watcher, with the pattern and the trigger as target with the transformer', async () => {
    const result = await syncWatcherRules('ingest_orders', assetsOf(landing, placed('order-placed')), settings);
    const s3Rule = watcherRuleName('test', 'ingest_orders', 's3://my-bucket/landing/orders/', 's3-object-created');
    const placedRule = watcherRuleName('test', 'ingest_orders', 'events://orders/placed', 'order-placed');
    expect(result).toEqual({ put: [placedRule, s3Rule], deleted: [] });
    expect(await rulesNow()).toEqual([placedRule, s3Rule].sort());
    expect(s3Rule).toMatch(/^test-watch-[0-9a-f]{10}-[0-9a-f]{10}$/);

    const described = await events.send(new DescribeRuleCommand({ Name: s3Rule }));
    expect(described.State).toBe('ENABLED');
    expect(described.Description).toBe(
      'Airstep: DAG ingest_orders, asset s3://my-bucket/landing/orders/, watcher s3-object-created',
    );
    expect(JSON.parse(described.EventPattern!)).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['my-bucket'] }, object: { key: [{ prefix: 'landing/orders/' }] } },
    });
    const [target] = (await events.send(new ListTargetsByRuleCommand({ Rule: s3Rule }))).Targets!;
    expect(target!.Id).toBe('trigger');
    expect(target!.Arn).toBe(TRIGGER);
    // What EventBridge would hand the trigger for an object created under the prefix, from the rule as stored.
    const object = {
      version: '0',
      id: 'f1',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '123456789012',
      time: '2026-12-07T10:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        bucket: { name: 'my-bucket' },
        object: { key: 'landing/orders/a.jsonl', size: 3, etag: 'e1', sequencer: '01' },
      },
    };
    expect(matchesEventPattern(JSON.parse(described.EventPattern!), object)).toBe(true);
    expect(
      applyInputTransformer(
        target!.InputTransformer as { InputPathsMap: Record<string, string>; InputTemplate: string },
        object,
      ),
    ).toEqual({
      kind: 'asset',
      uri: 's3://my-bucket/landing/orders/',
      eventId: 'f1',
      timestamp: '2026-12-07T10:00:00Z',
      extra: { bucket: 'my-bucket', key: 'landing/orders/a.jsonl', size: 3, etag: 'e1', sequencer: '01' },
      watcher: 's3-object-created',
    });
  });

  it('changes nothing when synced again, and replaces a renamed watcher', async () => {
    const again = await syncWatcherRules('ingest_orders', assetsOf(landing, placed('order-placed')), settings);
    expect(again.deleted).toEqual([]);
    const renamed = await syncWatcherRules('ingest_orders', assetsOf(landing, placed('placed-v2')), settings);
    const oldRule = watcherRuleName('test', 'ingest_orders', 'events://orders/placed', 'order-placed');
    const newRule = watcherRuleName('test', 'ingest_orders', 'events://orders/placed', 'placed-v2');
    expect(renamed.deleted).toEqual([oldRule]);
    expect(await rulesNow()).toContain(newRule);
    expect(await rulesNow()).not.toContain(oldRule);
  });

  it("leaves other DAGs' rules alone, and deletes every rule of a DAG that lost its watchers", async () => {
    await syncWatcherRules('other_dag', assetsOf(landing), settings);
    const kept = watcherRuleName('test', 'other_dag', 's3://my-bucket/landing/orders/', 's3-object-created');
    const gone = await syncWatcherRules('ingest_orders', assetsOf(asset('s3://my-bucket/plain')), settings);
    expect(gone.put).toEqual([]);
    expect(gone.deleted).toHaveLength(2);
    expect(await rulesNow()).toEqual([kept]);
    // A DAG that went away (dag-sync passes no assets).
    await syncWatcherRules('other_dag', undefined, settings);
    expect(await rulesNow()).toEqual([]);
  });
});

describe('IAM: watcher rules', () => {
  let check: IamCheck;
  let resources: Record<string, Json>;
  beforeAll(async () => {
    const facts = await readStackFacts(inject('iamStackFacts'));
    check = new IamCheck(facts);
    resources = facts.resources;
  });
  const allowed = async (role: RecordedCall['role'], command: string, input: Record<string, unknown>) =>
    (await check.denials([{ role, service: 'EventBridge', command, input, env }])).length === 0;

  it('allows dag-sync every call it made above', async () => {
    expect(new Set(calls.map((call) => call.command))).toEqual(
      new Set(['PutRule', 'PutTargets', 'ListRules', 'RemoveTargets', 'DeleteRule']),
    );
    expect(await check.denials(calls)).toEqual([]);
  });

  it('refuses dag-sync rules outside its prefix, and any target but the trigger function', async () => {
    expect(await allowed('dagSync', 'PutRule', { Name: 'someone-elses-rule' })).toBe(false);
    expect(await allowed('dagSync', 'DeleteRule', { Name: 'test-other-rule' })).toBe(false);
    const target = (arn: string) => ({
      Rule: 'test-watch-0123456789-0123456789',
      Targets: [{ Id: 'trigger', Arn: arn }],
    });
    expect(await allowed('dagSync', 'PutTargets', target(TRIGGER))).toBe(true);
    expect(
      await allowed('dagSync', 'PutTargets', target('arn:aws:lambda:us-east-1:123456789012:function:test-worker')),
    ).toBe(false);
    expect(await allowed('dagSync', 'PutTargets', target('arn:aws:sqs:us-east-1:123456789012:anything'))).toBe(false);
  });

  it('refuses every other role the rules', async () => {
    for (const role of ['worker', 'trigger', 'recorder', 'stateMachine', 'dagEvaluator'] as const) {
      expect(await allowed(role, 'PutRule', { Name: 'test-watch-0123456789-0123456789' }), role).toBe(false);
      expect(await allowed(role, 'DeleteRule', { Name: 'test-watch-0123456789-0123456789' }), role).toBe(false);
    }
  });

  it('lets EventBridge invoke the trigger function for the watcher rules only (its resource policy)', () => {
    const permissions = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Permission' && resource.Properties.Principal === 'events.amazonaws.com',
    );
    const watcherPermission = permissions.filter((p) => JSON.stringify(p.Properties.SourceArn).includes('-watch-*'));
    expect(watcherPermission).toHaveLength(1);
    const [permission] = watcherPermission;
    expect(permission!.Properties.Action).toBe('lambda:InvokeFunction');
    expect(JSON.stringify(permission!.Properties.FunctionName)).toMatch(/Trigger/);
    expect(JSON.stringify(permission!.Properties.SourceArn)).toContain(':rule/airstep-watch-*');
  });
});
