import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyContextPurpose } from '../../infra/cdk/permissions.js';
import {
  type EventBusName,
  eventBuses,
  type KeyPurpose,
  keys as manifestKeys,
  resourceName,
  type TableName,
  type TableSpec,
  tables,
} from '../../infra/manifest.js';
import {
  type CfnTemplate,
  getAtt,
  logicalIdWhere,
  pascal,
  props,
  resourcesOfType,
  type Synthesized,
  synthRiskloop,
} from './synth.js';

const tableEntries = Object.entries(tables) as [TableName, TableSpec][];
let s: Synthesized;

beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
});
afterAll(() => s?.cleanup());

const keyOfAlias = (alias: string) => {
  const aliasId = logicalIdWhere(s.dataJson, 'AWS::KMS::Alias', 'AliasName', alias);
  return (props(s.dataJson.Resources[aliasId]).TargetKeyId as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ][0];
};

describe('DynamoDB capacity', () => {
  it('provisioned mode: every table and index auto-scales reads and writes at 70 % utilisation', () => {
    // Prepare
    const provisioned = synthRiskloop(
      { dynamoCapacity: 'provisioned', dynamoMinUnits: '5', dynamoMaxUnits: '20000' },
      { bundle: false },
    );
    try {
      // Assess: no table left on demand; one scalable target per table or index and direction.
      const tablesOut = resourcesOfType(provisioned.dataJson, 'AWS::DynamoDB::Table').map(([, r]) =>
        props(r),
      );
      expect(tablesOut).toHaveLength(tableEntries.length);
      for (const t of tablesOut) {
        expect(t.BillingMode).not.toBe('PAY_PER_REQUEST');
        expect(t.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
      }
      const indexes = tableEntries.reduce(
        (n, [, spec]) => n + Object.keys(spec.globalIndexes ?? {}).length,
        0,
      );
      const targets = resourcesOfType(
        provisioned.dataJson,
        'AWS::ApplicationAutoScaling::ScalableTarget',
      ).map(([, r]) => props(r));
      expect(targets).toHaveLength(2 * (tableEntries.length + indexes));
      for (const t of targets) expect(t).toMatchObject({ MinCapacity: 5, MaxCapacity: 20000 });
      const dimensions = targets.map((t) => String(t.ScalableDimension)).sort();
      expect(dimensions.filter((d) => d.startsWith('dynamodb:index:'))).toHaveLength(2 * indexes);
      const policies = resourcesOfType(provisioned.dataJson, 'AWS::ApplicationAutoScaling::ScalingPolicy');
      expect(policies).toHaveLength(targets.length);
      for (const [, policy] of policies) {
        expect(props(policy).TargetTrackingScalingPolicyConfiguration).toMatchObject({ TargetValue: 70 });
      }
    } finally {
      provisioned.cleanup();
    }
  });

  it('keeps the indexes a release replaced only with keepRetiredIndexes: one index change per table per deploy', () => {
    // Prepare: the first of the two upgrade deploys.
    const upgrade = synthRiskloop({ keepRetiredIndexes: 'true' }, { bundle: false });
    try {
      const indexesOf = (template: CfnTemplate, name: string) => {
        const table = resourcesOfType(template, 'AWS::DynamoDB::Table').find(
          ([, r]) => props(r).TableName === `riskloop-dev-${name}`,
        )?.[1];
        return ((props(table).GlobalSecondaryIndexes ?? []) as { IndexName: string }[])
          .map((i) => i.IndexName)
          .sort();
      };
      // Assess: the upgrade deploy adds the new index beside the retired one; the next drops the retired one.
      for (const [name, spec] of tableEntries.filter(([, spec]) => spec.retiredIndexes)) {
        const current = Object.keys(spec.globalIndexes ?? {});
        const retired = Object.keys(spec.retiredIndexes ?? {});
        expect(indexesOf(upgrade.dataJson, name)).toEqual([...current, ...retired].sort());
        expect(indexesOf(s.dataJson, name)).toEqual([...current].sort());
        expect(retired.length).toBe(1); // one deletion per table in the second deploy
      }
    } finally {
      upgrade.cleanup();
    }
  });

  it('refuses an unknown capacity mode or an inverted range at synth, naming the setting', () => {
    expect(() => synthRiskloop({ dynamoCapacity: 'reserved' }, { bundle: false })).toThrow(
      /Context "dynamoCapacity" must be onDemand or provisioned/,
    );
    expect(() =>
      synthRiskloop(
        { dynamoCapacity: 'provisioned', dynamoMinUnits: 500, dynamoMaxUnits: 100 },
        { bundle: false },
      ),
    ).toThrow(/Context "dynamoMinUnits" must not exceed "dynamoMaxUnits"/);
  });
});

describe('DynamoDB tables', () => {
  it('creates exactly the tables of the manifest', () => {
    const names = resourcesOfType(s.dataJson, 'AWS::DynamoDB::Table').map(([, r]) => props(r).TableName);
    expect(names.sort()).toEqual(tableEntries.map(([n]) => resourceName('dev', n)).sort());
  });

  it.each(tableEntries)('%s: on-demand, keys, TTL and GSIs as the manifest says', (name, spec) => {
    s.data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: resourceName('dev', name),
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' }] : []),
      ],
      TimeToLiveSpecification: spec.ttlAttribute
        ? { AttributeName: spec.ttlAttribute, Enabled: true }
        : Match.absent(),
      GlobalSecondaryIndexes: spec.globalIndexes
        ? Object.entries(spec.globalIndexes).map(([indexName, index]) => ({
            IndexName: indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' }] : []),
            ],
            Projection: index.project
              ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.project] }
              : { ProjectionType: 'ALL' },
          }))
        : Match.absent(),
    });
  });

  it.each(tableEntries)('%s: encrypted with the customer-managed storage key', (name) => {
    s.data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: resourceName('dev', name),
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: getAtt(keyOfAlias('alias/riskloop-dev-storage')),
      },
    });
  });

  it.each(tableEntries)('%s: point-in-time recovery (35 days), deletion protection, retained', (name) => {
    s.data.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        TableName: resourceName('dev', name),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('denies item updates and deletes on the audit table to every principal', () => {
    s.data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'riskloop-dev-audit',
      ResourcePolicy: {
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              // CloudFormation output lists actions sorted.
              Action: Match.arrayWith([
                'dynamodb:BatchWriteItem',
                'dynamodb:DeleteItem',
                'dynamodb:UpdateItem',
              ]),
            }),
          ],
        },
      },
    });
  });

  it('puts a resource policy on no other table', () => {
    const withPolicy = resourcesOfType(s.dataJson, 'AWS::DynamoDB::Table')
      .filter(([, r]) => props(r).ResourcePolicy)
      .map(([, r]) => props(r).TableName);
    expect(withPolicy).toEqual(['riskloop-dev-audit']);
  });
});

describe('KMS keys', () => {
  it('creates the manifest keys plus the storage key, the symmetric ones rotating, all retained', () => {
    const keys = resourcesOfType(s.dataJson, 'AWS::KMS::Key');
    expect(keys).toHaveLength(Object.keys(manifestKeys).length + 1);
    const signingKey = keyOfAlias('alias/riskloop-dev-audit-signing');
    const storageKey = keyOfAlias('alias/riskloop-dev-storage');
    for (const [id, key] of keys) {
      // Kept through a destroy; the storage key even through a failed create (test/infra/redeploy.test.ts).
      expect(key.DeletionPolicy).toBe(id === storageKey ? 'Retain' : 'RetainExceptOnCreate');
      if (id === signingKey) continue;
      expect(props(key).EnableKeyRotation).toBe(true);
      expect(props(key).KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    }
    const aliases = resourcesOfType(s.dataJson, 'AWS::KMS::Alias').map(([, a]) => props(a).AliasName);
    expect(aliases.sort()).toEqual(
      [
        'alias/riskloop-dev-storage',
        'alias/riskloop-dev-pseudonymisation',
        'alias/riskloop-dev-data-keys',
        'alias/riskloop-dev-audit-signing',
      ].sort(),
    );
  });

  it('creates the audit-signing key as an ECC_NIST_P256 SIGN_VERIFY key, not rotating (KMS cannot)', () => {
    const key = s.dataJson.Resources[keyOfAlias('alias/riskloop-dev-audit-signing')];
    expect(props(key)).toMatchObject({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      EnableKeyRotation: false,
      PendingWindowInDays: 30,
    });
    expect(key?.DeletionPolicy).toBe('RetainExceptOnCreate');
    // Nobody outside the account's IAM gets it: no service principal, no encryption-context statements.
    const policy = props(key).KeyPolicy as { Statement: { Principal: Record<string, unknown> }[] };
    expect(policy.Statement.filter((st) => st.Principal.Service)).toEqual([]);
    expect(JSON.stringify(policy)).not.toMatch(/EncryptionContext/);
  });

  it.each(Object.entries(keyContextPurpose) as [KeyPurpose, string][])(
    '%s key refuses use without riskloop encryption context',
    (purpose, contextPurpose) => {
      const keyId = keyOfAlias(`alias/${resourceName('dev', purpose)}`);
      const statements = (
        props(s.dataJson.Resources[keyId]).KeyPolicy as { Statement: Record<string, unknown>[] }
      ).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { StringNotEquals: { 'kms:EncryptionContext:purpose': contextPurpose } },
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { StringNotEquals: { 'kms:EncryptionContext:app': 'riskloop' } },
        }),
      );
    },
  );

  it('lets CloudWatch Logs use the storage key for riskloop log groups only', () => {
    const key = s.dataJson.Resources[keyOfAlias('alias/riskloop-dev-storage')];
    const statements = (props(key).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const logs = statements.find((st) => st.Sid === 'AllowCloudWatchLogsForRiskloopLogGroups');
    expect(logs?.Effect).toBe('Allow');
    const patterns = JSON.stringify(logs?.Condition);
    expect(patterns).toContain('kms:EncryptionContext:aws:logs:arn');
    expect(patterns).toContain('/aws/lambda/riskloop-dev-*');
    expect(patterns).not.toMatch(/log-group:\*"/);
    // No service gets the application keys.
    for (const purpose of Object.keys(keyContextPurpose)) {
      const appKey = s.dataJson.Resources[keyOfAlias(`alias/${resourceName('dev', purpose)}`)];
      const policy = props(appKey).KeyPolicy as { Statement: { Principal: Record<string, unknown> }[] };
      expect(policy.Statement.filter((st) => st.Principal.Service)).toEqual([]);
    }
  });

  it('names each key by its purpose', () => {
    for (const purpose of ['Pseudonymisation', 'DataKeys', 'AuditSigning', 'Storage']) {
      expect(Object.keys(s.dataJson.Resources).some((id) => id.startsWith(`${pascal(purpose)}Key`))).toBe(
        true,
      );
    }
  });
});

describe('event buses', () => {
  it.each(Object.entries(eventBuses) as [EventBusName, (typeof eventBuses)[EventBusName]][])(
    '%s: a retained bus riskloop-<stage>-<name> with an archive of every event, kept as the manifest says',
    (name, spec) => {
      const busId = logicalIdWhere(s.dataJson, 'AWS::Events::EventBus', 'Name', resourceName('dev', name));
      expect(s.dataJson.Resources[busId]?.DeletionPolicy).toBe('RetainExceptOnCreate');
      const archives = resourcesOfType(s.dataJson, 'AWS::Events::Archive').filter(
        ([, a]) => JSON.stringify(props(a).SourceArn) === JSON.stringify(getAtt(busId)),
      );
      expect(archives).toHaveLength(1);
      const archive = archives[0]?.[1];
      expect(archive?.DeletionPolicy).toBe('RetainExceptOnCreate');
      expect(props(archive)).toMatchObject({
        ArchiveName: resourceName('dev', name),
        RetentionDays: spec.archiveRetentionDays,
        EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      });
    },
  );

  it('has no bus policy: only IAM principals of this account (the manifest grants) can put events', () => {
    s.data.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });
});

describe('data stack', () => {
  it('has termination protection', () => {
    expect(s.built.data.terminationProtection).toBe(true);
  });
});
