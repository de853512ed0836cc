import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names } from '../../infra/cdk/config.js';
import { keyAdministrationActions } from '../../infra/cdk/key-policies.js';
import { keyActions } from '../../infra/cdk/permissions.js';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  type KeyPurpose,
  keys,
  resourceName,
} from '../../infra/manifest.js';
import { logicalIdWhere, props, resourcesOfType, type Synthesized, synthRiskloop } from './synth.js';

/**
 * Every KMS key has an explicit policy (no `kms:*` for the account): who administers it, who uses it for what,
 * and grants only for AWS resources (Control Tower CT.KMS.PR.3). docs/deploy.md, "Keys: who can decrypt what".
 */
let s: Synthesized;
beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
});
afterAll(() => s?.cleanup());

interface KeyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: { AWS?: unknown; Service?: unknown };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const actions = (st: KeyStatement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const cryptographic =
  /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|GenerateMac|VerifyMac|Sign|Verify|CreateGrant|\*)/;

function policyOf(key: KeyPurpose | 'storage'): KeyStatement[] {
  const aliasId = logicalIdWhere(
    s.dataJson,
    'AWS::KMS::Alias',
    'AliasName',
    `alias/${resourceName('dev', key)}`,
  );
  const keyId = (props(s.dataJson.Resources[aliasId]).TargetKeyId as { 'Fn::GetAtt': [string] })[
    'Fn::GetAtt'
  ][0];
  return (props(s.dataJson.Resources[keyId]).KeyPolicy as { Statement: KeyStatement[] }).Statement;
}

/** The functions an `aws:PrincipalArn` condition names, from their role paths. */
function functionsNamed(st: KeyStatement): string[] {
  return (
    JSON.stringify(st.Condition?.ArnLike?.['aws:PrincipalArn'] ?? [])
      .match(/:role\/riskloop-dev-[a-z-]+\//g)
      ?.map((m) => m.slice(':role/'.length, -1))
      .sort() ?? []
  );
}

const allKeys = ['storage', ...Object.keys(keys)] as (KeyPurpose | 'storage')[];

describe('key policies', () => {
  it.each(allKeys)('%s: administered by the account, never used by its administrators', (key) => {
    const admin = policyOf(key).find((st) => st.Sid === 'Administration');
    expect(admin?.Effect).toBe('Allow');
    expect(JSON.stringify(admin?.Principal)).toContain(':root');
    expect(actions(admin as KeyStatement).sort()).toEqual([...keyAdministrationActions].sort());
    expect(keyAdministrationActions.filter((a) => cryptographic.test(a) || a.includes('*'))).toEqual([]);
    expect(keyAdministrationActions).not.toContain('kms:DisableKeyRotation');
  });

  it.each(allKeys)('%s: grants only for AWS resources (CT.KMS.PR.3), and nothing grants kms:*', (key) => {
    const statements = policyOf(key);
    expect(statements).toContainEqual({
      Sid: 'GrantsOnlyForAwsResources',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    expect(statements.filter((st) => st.Effect === 'Allow' && actions(st).includes('kms:*'))).toEqual([]);
  });

  it.each(Object.keys(keys) as KeyPurpose[])(
    '%s: used by exactly the manifest functions granted it, at their access level, named by role path',
    (purpose) => {
      const expected = new Map<string, string[]>();
      for (const [name, spec] of Object.entries(functions) as [FunctionName, FunctionSpec][]) {
        const access = spec.keys?.[purpose];
        if (access) expected.set(resourceName('dev', name), [...keyActions[access]].sort());
      }
      const users = policyOf(purpose).filter((st) => st.Effect === 'Allow' && st.Condition?.ArnLike);
      const granted = new Map(
        users.flatMap((st) => functionsNamed(st).map((fn) => [fn, actions(st).sort()] as const)),
      );
      expect(new Map([...granted].sort())).toEqual(new Map([...expected].sort()));
      // Any other allow is administration, or reading the public key of the signing key: no use.
      for (const st of policyOf(purpose).filter((x) => x.Effect === 'Allow' && !x.Condition?.ArnLike)) {
        expect(
          actions(st).filter((a) => cryptographic.test(a)),
          st.Sid,
        ).toEqual([]);
      }
    },
  );

  it('storage key: used only through DynamoDB and SQS by the account, or by its three services for riskloop', () => {
    const statements = policyOf('storage').filter(
      (st) => st.Effect === 'Allow' && st.Sid !== 'Administration',
    );
    for (const st of statements) {
      if (st.Principal.AWS) {
        expect(JSON.stringify(st.Condition?.StringEquals?.['kms:ViaService']), st.Sid).toMatch(
          /dynamodb|sqs/,
        );
        expect(st.Condition?.StringEquals?.['kms:CallerAccount'], st.Sid).toBeDefined();
      } else {
        expect(JSON.stringify(st.Principal.Service), st.Sid).toMatch(
          /logs\.|cloudwatch\.amazonaws|events\.amazonaws/,
        );
      }
    }
    const events = statements.find((st) => st.Sid === 'AllowScheduleRulesToDeadLetterQueues');
    expect(JSON.stringify(events?.Condition)).toContain(':rule/riskloop-dev-*');
  });

  it('rotates every symmetric key yearly; the signing key cannot rotate', () => {
    for (const [, key] of resourcesOfType(s.dataJson, 'AWS::KMS::Key')) {
      expect(props(key).EnableKeyRotation).toBe(props(key).KeySpec === undefined);
    }
  });

  it('each function role has the path the key policies name it by', () => {
    const paths = resourcesOfType(s.serviceJson, 'AWS::IAM::Role').map(([, r]) => props(r).Path);
    for (const name of Object.keys(functions)) expect(paths).toContain(names.rolePath('dev', name));
  });
});
