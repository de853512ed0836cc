import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackTemplates } from '../../infra/limits/assembly.js';
import { nameProperty } from '../../infra/limits/resolve.js';
import type { CfnResource, StackTemplate } from '../../infra/limits/template.js';
import { type Synthesized, synthRiskloop } from './synth.js';

/**
 * A deploy that fails halfway and is retried, or a stage destroyed and deployed again, must not trip over
 * what the earlier attempt left behind ("already exists"). Shown here from the templates, for every
 * resource with a physical name, against the two ways CloudFormation leaves resources behind:
 *
 * - a create that rolls back deletes what it created, except `Retain` resources;
 * - a destroy deletes everything except `Retain` and `RetainExceptOnCreate` resources.
 *
 * What stays behind is adopted by the next `cdk deploy --import-existing-resources` (docs/deploy.md), which
 * CloudFormation only does for a static name of an importable type.
 */

/** Types CloudFormation imports by their name (primary identifier writable, import supported). */
const importableByName = new Set([
  'AWS::DynamoDB::Table',
  'AWS::Logs::LogGroup',
  'AWS::Events::EventBus',
  'AWS::Events::Archive',
  'AWS::KMS::Alias',
]);

/** Retained even when the create that made them rolls back, with the reason. */
const keptOnFailedCreate: Record<string, string> = {
  'AWS::DynamoDB::Table':
    'deletion protection refuses the delete a rollback would make; the retry adopts the table instead',
  'AWS::KMS::Key':
    'the storage key only: the retained tables are encrypted with it (preflight has it imported)',
  'AWS::KMS::Alias': 'the storage key’s alias, which preflight finds it by',
  'AWS::IAM::Role': 'the API Gateway account logging role: a generated name, so nothing collides',
  'AWS::ApiGateway::Account': 'an account-wide setting with no name: a retry sets it again',
};

const retained = (r: CfnResource) =>
  r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate';

let s: Synthesized;
let stacks: StackTemplate[];
beforeAll(() => {
  s = synthRiskloop({ dynamoCapacity: 'provisioned' }, { bundle: false });
  stacks = stackTemplates(s.assembly);
});
afterAll(() => s?.cleanup());

function everyResource(): { stack: string; id: string; resource: CfnResource }[] {
  return stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources).map(([id, resource]) => ({ stack: stackName, id, resource })),
  );
}

describe('a failed create, retried, and a destroy, redeployed, find nothing in their way', () => {
  it('keeps a named resource only where the next deploy can adopt it by its name', () => {
    const unsafe = everyResource()
      .filter(({ resource }) => retained(resource))
      .filter(({ resource }) => {
        const property = nameProperty(resource.Type);
        const name = property ? resource.Properties?.[property] : undefined;
        if (name === undefined) return false;
        // A name made from the ids of other resources changes with them: a redeploy never meets the old one.
        if (typeof name !== 'string') return !/"Ref":"(?!AWS::)/.test(JSON.stringify(name));
        return !importableByName.has(resource.Type);
      })
      .map(({ stack, id }) => `${stack} ${id}`);
    expect(unsafe).toEqual([]);
  });

  it('deletes on a rolled-back create everything it would otherwise leave, except where a reason says why', () => {
    const leftovers = everyResource()
      .filter(({ resource }) => resource.DeletionPolicy === 'Retain')
      .map(({ resource }) => resource.Type);
    expect([...new Set(leftovers)].sort()).toEqual(
      Object.keys(keptOnFailedCreate)
        .filter((t) => leftovers.includes(t))
        .sort(),
    );
  });

  it('keeps data, keys and logs through a destroy', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::KMS::Alias', 'AWS::Logs::LogGroup']) {
      const resources = everyResource().filter(({ resource }) => resource.Type === type);
      expect(resources.length, type).toBeGreaterThan(0);
      for (const { id, resource } of resources) expect(retained(resource), id).toBe(true);
    }
  });

  it('keeps through a failed create only the key the retained tables are encrypted with', () => {
    const keys = everyResource().filter(({ resource }) => resource.Type === 'AWS::KMS::Key');
    const tableKeys = new Set(
      everyResource()
        .filter(({ resource }) => resource.Type === 'AWS::DynamoDB::Table')
        .map(({ resource }) => JSON.stringify(resource.Properties?.SSESpecification)),
    );
    expect(tableKeys.size).toBe(1);
    for (const { id, resource } of keys) {
      const encryptsTables = [...tableKeys][0]?.includes(`"${id}"`) ?? false;
      expect(resource.DeletionPolicy, id).toBe(encryptsTables ? 'Retain' : 'RetainExceptOnCreate');
    }
    expect(keys.filter(({ resource }) => resource.DeletionPolicy === 'Retain')).toHaveLength(1);
  });
});
