import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnKey } from 'aws-cdk-lib/aws-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/functions.js';
import { appendOnlyTables, keyStatements, type Resources } from '../../infra/cdk/permissions.js';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  type KeyAccess,
  type KeyPurpose,
  keys,
  resourceName,
  type TableName,
} from '../../infra/manifest.js';
import {
  actionsOf,
  logicalIdWhere,
  pascal,
  policyStatements,
  props,
  resourcesOfType,
  type Statement,
  type Synthesized,
  synthRiskloop,
  tablesReferenced,
} from './synth.js';

const fnEntries = Object.entries(functions) as [FunctionName, FunctionSpec][];
let s: Synthesized;

beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
});
afterAll(() => s?.cleanup());

/** The statements of the one managed policy attached to a function's role. */
function statementsOf(name: FunctionName): Statement[] {
  const fn = props(
    s.serviceJson.Resources[
      logicalIdWhere(s.serviceJson, 'AWS::Lambda::Function', 'FunctionName', resourceName('dev', name))
    ],
  );
  const roleId = (fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = resourcesOfType(s.serviceJson, 'AWS::IAM::ManagedPolicy').filter(([, p]) =>
    JSON.stringify(props(p).Roles).includes(roleId),
  );
  expect(policies, name).toHaveLength(1);
  return policyStatements({ Resources: Object.fromEntries(policies) }).map((x) => x.statement);
}

const allowed = (statements: Statement[]) => statements.filter((st) => st.Effect === 'Allow');
/** Logical ids of the manifest's KMS keys, e.g. AuditSigningKey1234ABCD. */
const applicationKeyIds = new RegExp(
  Object.keys(keys)
    .map((k) => `${pascal(k)}Key`)
    .join('|'),
);
/** Written out here, not imported from permissions.ts, so a change there has to change this too. */
const keyAccessActions: Record<KeyAccess, string[]> = {
  decrypt: ['kms:Decrypt'],
  generate: ['kms:Decrypt', 'kms:GenerateDataKey'],
  sign: ['kms:GetPublicKey', 'kms:Sign'],
  verify: ['kms:GetPublicKey', 'kms:Verify'],
};
const tableStatements = (statements: Statement[], table: TableName) =>
  allowed(statements).filter((st) => tablesReferenced(st.Resource).has(pascal(table)));

describe('least privilege from the manifest', () => {
  it('gives no role, anywhere, dynamodb:DeleteItem or a wildcard action on the audit table', () => {
    for (const { logicalId, statement } of policyStatements(s.serviceJson)) {
      if (statement.Effect !== 'Allow' || !tablesReferenced(statement.Resource).has('Audit')) continue;
      for (const action of actionsOf(statement)) {
        expect(action, logicalId).not.toMatch(
          /^(dynamodb:)?\*$|DeleteItem|UpdateItem|BatchWriteItem|PartiQL/,
        );
      }
    }
  });

  it('denies rewriting history explicitly to every function that touches an append-only table', () => {
    for (const [name, spec] of fnEntries) {
      const deny = statementsOf(name).find((st) => st.Effect === 'Deny');
      const touches = appendOnlyTables.filter((t) => spec.tables?.[t]);
      if (touches.length === 0) continue;
      expect(actionsOf(deny as Statement)).toEqual(
        expect.arrayContaining(['dynamodb:DeleteItem', 'dynamodb:UpdateItem']),
      );
      expect([...tablesReferenced(deny?.Resource)]).toEqual(touches.map(pascal));
    }
  });

  it('keeps the segment worker away from the subject-key table and from every application key', () => {
    const worker = statementsOf('segmentWorker');
    for (const st of worker) {
      expect(tablesReferenced(st.Resource).has('SubjectKeys')).toBe(false);
      expect(JSON.stringify(st.Resource)).not.toMatch(/PseudonymisationKey|DataKeysKey/);
    }
    expect(JSON.stringify(worker)).not.toContain('SubjectKeys');
  });

  it.each(fnEntries)(
    '%s: reaches exactly the tables the manifest lists, with its access level',
    (name, spec) => {
      const statements = statementsOf(name);
      const reached = new Set(allowed(statements).flatMap((st) => [...tablesReferenced(st.Resource)]));
      expect([...reached].sort()).toEqual(
        Object.keys(spec.tables ?? {})
          .map(pascal)
          .sort(),
      );
      const deletes = new Set<string>(spec.deletes ?? []);
      for (const [table, access] of Object.entries(spec.tables ?? {}) as [TableName, string][]) {
        const actions = tableStatements(statements, table).flatMap(actionsOf);
        const writes = actions.filter((a) => /PutItem|UpdateItem|DeleteItem|BatchWriteItem/.test(a));
        if (access === 'read') expect(writes, `${name} on ${table}`).toEqual([]);
        expect(actions.includes('dynamodb:DeleteItem'), `${name} DeleteItem on ${table}`).toBe(
          deletes.has(table),
        );
        expect(actions).not.toContain('dynamodb:BatchWriteItem');
      }
    },
  );

  it.each(fnEntries)(
    '%s: uses only the KMS application keys the manifest lists, with its context',
    (name, spec) => {
      const kmsStatements = allowed(statementsOf(name)).filter((st) =>
        JSON.stringify(st.Resource).match(applicationKeyIds),
      );
      const expected = Object.entries(spec.keys ?? {}) as [KeyPurpose, KeyAccess][];
      expect(kmsStatements).toHaveLength(expected.length);
      for (const [purpose, use] of expected) {
        const st = kmsStatements.find((k) => JSON.stringify(k.Resource).includes(`${pascal(purpose)}Key`));
        expect(actionsOf(st as Statement).sort()).toEqual(keyAccessActions[use]);
        if (keys[purpose].kind === 'sign') {
          // Sign and Verify carry no encryption context: a context condition would deny them.
          expect(st?.Condition).toBeUndefined();
          continue;
        }
        expect(st?.Condition?.StringEquals?.['kms:EncryptionContext:app']).toBe('riskloop');
        expect(st?.Condition?.StringEquals?.['kms:EncryptionContext:purpose']).toBeDefined();
      }
    },
  );

  it("turns 'sign' into exactly kms:Sign + kms:GetPublicKey on that key, and 'verify' into kms:Verify + kms:GetPublicKey", () => {
    // Prepare: throwaway specs, not manifest functions, so this holds whoever is granted the key later.
    const data = s.built.data;
    const resources = { keys: data.keys } as unknown as Resources; // keyStatements reads only the keys
    const throwaway = (use: 'sign' | 'verify'): FunctionSpec => ({
      entry: 'functions/none/handler.ts',
      description: 'throwaway',
      memoryMb: 128,
      timeoutSeconds: 1,
      trigger: { kind: 'authorizer' },
      keys: { auditSigning: use },
    });
    const signingKeyId = data.getLogicalId(data.keys.auditSigning.node.defaultChild as CfnKey);

    for (const use of ['sign', 'verify'] as const) {
      // Act
      const statements = keyStatements(throwaway(use), resources).map(
        (st) => data.resolve(st.toStatementJson()) as Statement,
      );

      // Assess
      expect(statements).toHaveLength(1);
      expect(statements[0]?.Effect).toBe('Allow');
      expect(actionsOf(statements[0] as Statement).sort()).toEqual(
        use === 'sign' ? ['kms:GetPublicKey', 'kms:Sign'] : ['kms:GetPublicKey', 'kms:Verify'],
      );
      expect(statements[0]?.Resource).toEqual({ 'Fn::GetAtt': [signingKeyId, 'Arn'] });
    }
  });

  it.each(fnEntries)('%s: uses the storage key only through DynamoDB and SQS', (name, spec) => {
    const storage = allowed(statementsOf(name)).filter((st) =>
      JSON.stringify(st.Resource).includes('StorageKey'),
    );
    // A function with no table and no queue (public pages) has no use for the key at all.
    const stores = spec.tables !== undefined || spec.queues !== undefined || spec.trigger.kind === 'schedule';
    expect(storage).toHaveLength(stores ? 1 : 0);
    if (!stores) return;
    expect(JSON.stringify(storage[0]?.Condition?.StringEquals?.['kms:ViaService'])).toMatch(
      /dynamodb\..*sqs\./,
    );
  });

  it.each(fnEntries)('%s: sends to and consumes from exactly its manifest queues', (name, spec) => {
    const sqs = allowed(statementsOf(name)).filter((st) => actionsOf(st).some((a) => a.startsWith('sqs:')));
    // Queues, not statements: statements with the same actions are merged into one (resources listed).
    const queuesOf = (sts: Statement[]) => sts.flatMap((st) => [st.Resource].flat());
    const sends = queuesOf(sqs.filter((st) => actionsOf(st).includes('sqs:SendMessage')));
    const consumes = queuesOf(sqs.filter((st) => actionsOf(st).includes('sqs:ReceiveMessage')));
    const manifest = Object.values(spec.queues ?? {});
    const asyncDlq = spec.trigger.kind === 'schedule' ? 1 : 0;
    expect(sends).toHaveLength(manifest.filter((u) => u === 'send').length + asyncDlq);
    expect(consumes).toHaveLength(manifest.filter((u) => u === 'consume').length);
  });

  it.each(fnEntries)('%s: may put events on exactly its manifest buses, as source riskloop', (name, spec) => {
    const statements = allowed(statementsOf(name)).filter((st) =>
      actionsOf(st).some((a) => a.startsWith('events:')),
    );
    const buses = Object.keys(spec.events ?? {});
    expect(statements).toHaveLength(buses.length);
    for (const st of statements) {
      expect(actionsOf(st)).toEqual(['events:PutEvents']);
      expect(JSON.stringify(st.Resource)).toMatch(/:event-bus\/riskloop-dev-compliance"/);
      expect(st.Condition).toEqual({ StringEquals: { 'events:source': 'riskloop' } });
    }
  });

  it('uses no wildcard action and no Resource "*" except for X-Ray, in any Allow', () => {
    for (const { logicalId, statement } of policyStatements(s.serviceJson)) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of actionsOf(statement)) expect(action, logicalId).not.toContain('*');
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      if (resources.includes('*')) {
        expect(
          actionsOf(statement).every((a) => a.startsWith('xray:')),
          logicalId,
        ).toBe(true);
      }
    }
  });

  it('gives function roles no inline policies and no AWS managed policies', () => {
    expect(resourcesOfType(s.serviceJson, 'AWS::IAM::Policy')).toEqual([]);
    for (const [id, role] of resourcesOfType(s.serviceJson, 'AWS::IAM::Role')) {
      expect(props(role).Policies, id).toBeUndefined();
      const trusted = JSON.stringify(props(role).AssumeRolePolicyDocument);
      if (trusted.includes('lambda.amazonaws.com')) expect(props(role).ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it('lets each function write only its own log group', () => {
    for (const [name] of fnEntries) {
      const logs = allowed(statementsOf(name)).filter((st) =>
        actionsOf(st).some((a) => a.startsWith('logs:')),
      );
      expect(logs).toHaveLength(1);
      const groupId = logicalIdWhere(
        s.serviceJson,
        'AWS::Logs::LogGroup',
        'LogGroupName',
        `/aws/lambda/${resourceName('dev', name)}`,
      );
      expect(logs[0]?.Resource).toEqual({ 'Fn::GetAtt': [groupId, 'Arn'] });
    }
  });

  it('grants DeleteItem wherever an adapter deletes: every deleting adapter is reviewed here', () => {
    // Adapter file -> the table it deletes items from. IAM is not emulated locally, so a delete
    // path without a `deletes` entry in the manifest would only fail on AWS.
    const deletingAdapters: Record<string, TableName> = {
      'dynamo-override-store.ts': 'overrides' as TableName,
      // Powertools idempotency deletes the in-progress record when the request fails.
      'idempotency.ts': 'idempotency' as TableName,
      // A request removes its own intent once its customers are queued; the reconciler, a crashed one's.
      'dynamo-ingest-intents.ts': 'ingestIntents' as TableName,
    };
    // Erasure deletes across many tables; only the functions named here may compose its adapter.
    const erasers: Record<string, { factory: string; tables: TableName[]; functions: string[] }> = {
      'dynamo-privacy.ts': {
        factory: 'adapters.privacy(',
        tables: ['subjectIndex', 'subjectKeys', 'profiles', 'transactions', 'assignments', 'overrides']
          .concat(['feedback', 'outcomes', 'erasureRequests', 'cases', 'kycReviews'])
          .map((t) => t as TableName),
        functions: ['privacyApi', 'privacyScheduler'],
      },
      // The reconciler removes the key and directory entry of a customer a crash left never accepted.
      'dynamo-orphan-repair.ts': {
        factory: 'adapters.orphanRepair(',
        tables: ['subjectIndex', 'subjectKeys'].map((t) => t as TableName),
        functions: ['reconciler'],
      },
    };
    // Generic writers delete only what their caller hands them (the callers are listed above).
    const genericWriters = new Set(['dynamo-transact.ts']);
    const dir = join(repoRoot, 'shared/adapters');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !genericWriters.has(f))) {
      const source = readFileSync(join(dir, file), 'utf8');
      if (/DeleteCommand|\bDelete:\s*\{|DeleteItem|BatchWriteCommand|ConditionalDelete/.test(source)) {
        expect(
          deletingAdapters[file] ?? erasers[file],
          `${file} deletes items: add it to this list`,
        ).toBeDefined();
      }
    }
    for (const { factory, tables: erased, functions: allowedFns } of Object.values(erasers)) {
      for (const [name, spec] of fnEntries) {
        const handlerSource = readFileSync(join(repoRoot, spec.entry), 'utf8');
        expect(handlerSource.includes(factory), `${name} composes ${factory}`).toBe(
          allowedFns.includes(name),
        );
        // Exactly what it erases, plus the tables of the reviewed single-table adapters it writes.
        const reviewed = Object.values(deletingAdapters).filter((t) => spec.tables?.[t] === 'readwrite');
        if (allowedFns.includes(name)) {
          expect([...(spec.deletes ?? [])].sort()).toEqual([...new Set([...erased, ...reviewed])].sort());
        }
      }
    }
    for (const [file, table] of Object.entries(deletingAdapters)) {
      expect(readdirSync(dir), file).toContain(file);
      for (const [name, spec] of fnEntries) {
        if (spec.tables?.[table] === 'readwrite')
          expect(spec.deletes ?? [], `${name} on ${table}`).toContain(table);
      }
    }
  });
});
