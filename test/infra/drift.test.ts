import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/functions.js';
import { keyContextApp, keyContextPurpose } from '../../infra/cdk/permissions.js';
import {
  eventBuses,
  type FunctionName,
  type FunctionSpec,
  functions,
  httpRoutes,
  keys,
  queues,
  resourceName,
  tables,
} from '../../infra/manifest.js';
import { apiMethods, props, resourcesOfType, type Synthesized, synthRiskloop } from './synth.js';

/**
 * The synthesized system equals the manifest: no function, table, queue, schedule, route or key
 * exists on one side only. If this fails, the stacks grew a hand-kept list somewhere.
 */
const fnEntries = Object.entries(functions) as [FunctionName, FunctionSpec][];
let s: Synthesized;

beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
});
afterAll(() => s?.cleanup());

const sorted = (values: unknown[]) => values.map(String).sort();

describe('no drift between infra/manifest.ts and the templates', () => {
  it('functions', () => {
    const synthesized = resourcesOfType(s.serviceJson, 'AWS::Lambda::Function').map(
      ([, f]) => props(f).FunctionName,
    );
    expect(sorted(synthesized)).toEqual(sorted(Object.keys(functions).map((n) => resourceName('dev', n))));
  });

  it('tables', () => {
    const synthesized = resourcesOfType(s.dataJson, 'AWS::DynamoDB::Table').map(
      ([, t]) => props(t).TableName,
    );
    expect(sorted(synthesized)).toEqual(sorted(Object.keys(tables).map((n) => resourceName('dev', n))));
  });

  it('queues: each manifest queue, its DLQ, and one DLQ per asynchronously invoked function', () => {
    const synthesized = resourcesOfType(s.serviceJson, 'AWS::SQS::Queue').map(([, q]) => props(q).QueueName);
    const expected = [
      ...Object.keys(queues).flatMap((q) => [resourceName('dev', q), `${resourceName('dev', q)}-dlq`]),
      ...fnEntries
        .filter(([, f]) => f.trigger.kind === 'schedule')
        .map(([n]) => `${resourceName('dev', n)}-dlq`),
    ];
    expect(sorted(synthesized)).toEqual(sorted(expected));
  });

  it('schedules', () => {
    const byLogicalId = new Map(
      resourcesOfType(s.serviceJson, 'AWS::Lambda::Function').map(([id, f]) => [
        id,
        String(props(f).FunctionName),
      ]),
    );
    const synthesized = resourcesOfType(s.serviceJson, 'AWS::Events::Rule').map(([, r]) => {
      const target = (props(r).Targets as { Arn: { 'Fn::GetAtt': [string, string] } }[])[0];
      return `${byLogicalId.get(target?.Arn['Fn::GetAtt'][0] ?? '')} ${props(r).ScheduleExpression}`;
    });
    const expected = fnEntries.flatMap(([n, f]) =>
      f.trigger.kind === 'schedule' ? [`${resourceName('dev', n)} ${f.trigger.expression}`] : [],
    );
    expect(sorted(synthesized)).toEqual(sorted(expected));
  });

  it('SQS event sources', () => {
    expect(resourcesOfType(s.serviceJson, 'AWS::Lambda::EventSourceMapping')).toHaveLength(
      fnEntries.filter(([, f]) => f.trigger.kind === 'sqs').length,
    );
  });

  it('API routes', () => {
    const synthesized = apiMethods(s.apiJson).map(({ method, path }) => `${method} ${path}`);
    expect(sorted(synthesized)).toEqual(
      sorted(httpRoutes().map(({ route }) => `${route.method} ${route.path}`)),
    );
  });

  it('event buses', () => {
    const synthesized = resourcesOfType(s.dataJson, 'AWS::Events::EventBus').map(([, b]) => props(b).Name);
    expect(sorted(synthesized)).toEqual(sorted(Object.keys(eventBuses).map((b) => resourceName('dev', b))));
  });

  it('KMS keys: the manifest purposes plus the storage key', () => {
    const aliases = resourcesOfType(s.dataJson, 'AWS::KMS::Alias').map(([, a]) => props(a).AliasName);
    expect(sorted(aliases)).toEqual(
      sorted([
        ...Object.keys(keys).map((k) => `alias/${resourceName('dev', k)}`),
        'alias/riskloop-dev-storage',
      ]),
    );
  });

  it('KMS encryption contexts: the key policies match what the key service sends', () => {
    // shared/adapters/kms-key-service.ts builds { purpose, keyRef, app: 'riskloop' } and names the
    // purposes in its keyringSecret() calls; a rename there must fail here, not in production.
    const source = readFileSync(join(repoRoot, 'shared/adapters/kms-key-service.ts'), 'utf8');
    expect(source).toContain(`app: '${keyContextApp}'`);
    for (const purpose of Object.values(keyContextPurpose)) expect(source).toContain(`'${purpose}'`);
    // Every symmetric key has a context purpose; signing keys take no encryption context.
    const symmetric = Object.entries(keys).filter(([, k]) => k.kind === 'symmetric');
    expect(Object.keys(keyContextPurpose).sort()).toEqual(symmetric.map(([name]) => name).sort());
  });
});
