import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  envNames,
  type FunctionName,
  type FunctionSpec,
  functions,
  type QueueName,
  type QueueSpec,
  queues,
  resourceName,
  settingsOf,
} from '../../infra/manifest.js';
import {
  dataKeyArn,
  getAtt,
  logicalIdWhere,
  props,
  resourcesOfType,
  type Synthesized,
  synthRiskloop,
} from './synth.js';

const fnEntries = Object.entries(functions) as [FunctionName, FunctionSpec][];
const queueEntries = Object.entries(queues) as [QueueName, QueueSpec][];
let s: Synthesized;

beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
});
afterAll(() => s?.cleanup());

const fnId = (name: FunctionName) =>
  logicalIdWhere(s.serviceJson, 'AWS::Lambda::Function', 'FunctionName', resourceName('dev', name));
const queueId = (queueName: string) =>
  logicalIdWhere(s.serviceJson, 'AWS::SQS::Queue', 'QueueName', queueName);

describe('Lambda functions', () => {
  it.each(fnEntries)('%s: nodejs24.x on arm64, X-Ray, memory and timeout from the manifest', (name, spec) => {
    s.service.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: resourceName('dev', name),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      MemorySize: spec.memoryMb,
      Timeout: spec.timeoutSeconds,
      ReservedConcurrentExecutions: spec.reservedConcurrency ?? Match.absent(),
    });
  });

  it.each(fnEntries)(
    '%s: environment is exactly its manifest settings plus runtime options',
    (name, spec) => {
      const env = (
        props(s.serviceJson.Resources[fnId(name)]).Environment as { Variables: Record<string, unknown> }
      ).Variables;
      expect(Object.keys(env).sort()).toEqual(
        [
          ...settingsOf(spec),
          'POWERTOOLS_SERVICE_NAME',
          'POWERTOOLS_LOG_LEVEL',
          ...(spec.keys?.dataKeys ? ['KEK_VERSION'] : []),
          // The functions that decide four-eyes requests read the policy (docs/auth.md).
          ...(spec.tables?.approvals === 'readwrite' ? ['FOUR_EYES', 'APPROVAL_TTL_HOURS'] : []),
        ].sort(),
      );
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('riskloop');
      expect(env.POWERTOOLS_LOG_LEVEL).toBe('INFO');
      // No NODE_OPTIONS=--enable-source-maps: the maps are not deployed (infra/cdk/bundling.ts).
      for (const table of Object.keys(spec.tables ?? {})) {
        // Fixed names, no cross-stack reference (infra/cdk/data-references.ts).
        expect(env[envNames.table(table as never)]).toBe(resourceName('dev', table));
      }
    },
  );

  it.each(fnEntries)('%s: logs to its own encrypted log group with retention, kept on deletion', (name) => {
    const logGroupId = logicalIdWhere(
      s.serviceJson,
      'AWS::Logs::LogGroup',
      'LogGroupName',
      `/aws/lambda/${resourceName('dev', name)}`,
    );
    expect(props(s.serviceJson.Resources[fnId(name)]).LoggingConfig).toEqual({
      LogGroup: { Ref: logGroupId },
    });
  });

  it('creates each function and its event source mapping only after its permissions', () => {
    const policies = new Set(resourcesOfType(s.serviceJson, 'AWS::IAM::ManagedPolicy').map(([id]) => id));
    const mappings = resourcesOfType(s.serviceJson, 'AWS::Lambda::EventSourceMapping');
    for (const [id, r] of [...resourcesOfType(s.serviceJson, 'AWS::Lambda::Function'), ...mappings]) {
      expect(
        [r.DependsOn ?? []].flat().some((d) => policies.has(d)),
        id,
      ).toBe(true);
    }
  });

  it('gives every scheduled (asynchronously invoked) function a dead-letter queue and retries', () => {
    for (const [name, spec] of fnEntries.filter(([, f]) => f.trigger.kind === 'schedule')) {
      const dlq = queueId(`${resourceName('dev', name)}-dlq`);
      expect(props(s.serviceJson.Resources[fnId(name)]).DeadLetterConfig).toEqual({ TargetArn: getAtt(dlq) });
      s.service.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId(name) },
        MaximumRetryAttempts: 2,
      });
      expect(spec.trigger.kind).toBe('schedule');
    }
  });

  it('gives every schedule rule target retries and the function’s dead-letter queue, which EventBridge may use', () => {
    const scheduled = fnEntries.filter(([, f]) => f.trigger.kind === 'schedule');
    const rules = resourcesOfType(s.serviceJson, 'AWS::Events::Rule');
    expect(rules).toHaveLength(scheduled.length);
    for (const [name] of scheduled) {
      const dlq = queueId(`${resourceName('dev', name)}-dlq`);
      const [ruleId, rule] = rules.find(([, r]) => props(r).Name === resourceName('dev', name)) ?? [];
      expect(props(rule).Targets).toEqual([
        expect.objectContaining({
          Arn: getAtt(fnId(name)),
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: getAtt(dlq) },
        }),
      ]);
      // Only this rule may send to the queue (the storage key lets EventBridge encrypt for riskloop's rules).
      const policies = resourcesOfType(s.serviceJson, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
        JSON.stringify(props(p).Queues).includes(`"${dlq}"`),
      );
      const statements = policies.flatMap(
        ([, p]) => (props(p).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ruleId ?? '') } },
        }),
      );
    }
  });
});

describe('log groups', () => {
  it('encrypts every log group with the storage key and keeps it 365 days by default', () => {
    // One per function here; the API stack has the access, execution and WAF logs.
    const groups = [
      ...resourcesOfType(s.serviceJson, 'AWS::Logs::LogGroup'),
      ...resourcesOfType(s.apiJson, 'AWS::Logs::LogGroup'),
    ];
    expect(groups).toHaveLength(fnEntries.length + 3);
    for (const [, group] of groups) {
      expect(props(group).KmsKeyId).toEqual(dataKeyArn('Storage'));
      expect(props(group).RetentionInDays).toBe(365);
      expect(group.DeletionPolicy).toBe('RetainExceptOnCreate');
    }
  });

  it('takes the retention from context', () => {
    const other = synthRiskloop({ logRetentionDays: 90, stage: 'test' }, { bundle: false });
    try {
      for (const [, group] of resourcesOfType(other.serviceJson, 'AWS::Logs::LogGroup')) {
        expect(props(group).RetentionInDays).toBe(90);
      }
    } finally {
      other.cleanup();
    }
  });

  it('refuses a retention CloudWatch Logs does not offer', () => {
    expect(() => synthRiskloop({ logRetentionDays: 42 }, { bundle: false })).toThrow(/logRetentionDays/);
  });
});

describe('SQS queues', () => {
  it.each(queueEntries)(
    '%s: KMS-encrypted, visibility and retention from the manifest, redrive to its DLQ',
    (name, spec) => {
      const dlq = queueId(`${resourceName('dev', name)}-dlq`);
      s.service.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: resourceName('dev', name),
        KmsMasterKeyId: dataKeyArn('Storage'),
        VisibilityTimeout: spec.visibilityTimeoutSeconds,
        MessageRetentionPeriod: spec.retentionDays * 86_400,
        RedrivePolicy: { deadLetterTargetArn: getAtt(dlq), maxReceiveCount: spec.maxReceiveCount },
      });
    },
  );

  it('keeps DLQ messages for the maximum of 14 days, encrypted', () => {
    const dlqs = resourcesOfType(s.serviceJson, 'AWS::SQS::Queue').filter(([, q]) =>
      String(props(q).QueueName).endsWith('-dlq'),
    );
    expect(dlqs.length).toBeGreaterThanOrEqual(queueEntries.length);
    for (const [, q] of dlqs) {
      expect(props(q).MessageRetentionPeriod).toBe(14 * 86_400);
      expect(props(q).KmsMasterKeyId).toBeDefined();
    }
  });

  it('denies every request without TLS on every queue', () => {
    const queueIds = resourcesOfType(s.serviceJson, 'AWS::SQS::Queue').map(([id]) => id);
    for (const id of queueIds) {
      s.service.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it.each(fnEntries.filter(([, f]) => f.trigger.kind === 'sqs'))(
    '%s: event source with batch size, window and ReportBatchItemFailures; visibility >= 6x timeout',
    (name, spec) => {
      if (spec.trigger.kind !== 'sqs') throw new Error('unreachable');
      const queueSpec: QueueSpec = queues[spec.trigger.queue];
      expect(queueSpec.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * spec.timeoutSeconds);
      s.service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId(name) },
        EventSourceArn: getAtt(queueId(resourceName('dev', spec.trigger.queue))),
        BatchSize: spec.trigger.batchSize,
        MaximumBatchingWindowInSeconds: spec.trigger.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: spec.reservedConcurrency
          ? { MaximumConcurrency: spec.reservedConcurrency }
          : Match.absent(),
      });
    },
  );
});

describe('EventBridge', () => {
  it.each(fnEntries.filter(([, f]) => f.trigger.kind === 'schedule'))(
    '%s: scheduled as the manifest says',
    (name, spec) => {
      if (spec.trigger.kind !== 'schedule') throw new Error('unreachable');
      s.service.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: spec.trigger.expression,
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: getAtt(fnId(name)),
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
          }),
        ],
      });
    },
  );

  it('creates no event bus of its own: buses outlive the code, in the data stack', () => {
    s.service.resourceCountIs('AWS::Events::EventBus', 0);
    s.service.resourceCountIs('AWS::Events::Archive', 0);
  });
});

describe('stage from context', () => {
  it('puts the stage into names and tags, and the KEK version into the functions that need it', () => {
    const prod = synthRiskloop({ stage: 'prod', kekVersion: 'kek2' }, { bundle: false });
    try {
      expect(prod.built.service.stackName).toBe('riskloop-prod-service');
      prod.service.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'riskloop-prod-segment-worker',
        Tags: Match.arrayWith([{ Key: 'riskloop:stage', Value: 'prod' }]),
      });
      prod.data.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'riskloop-prod-audit' });
      // The KEK version for new subject keys, only where subject keys are wrapped.
      for (const [name, spec] of fnEntries) {
        prod.service.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: resourceName('prod', name),
          Environment: {
            Variables: Match.objectLike({ KEK_VERSION: spec.keys?.dataKeys ? 'kek2' : Match.absent() }),
          },
        });
      }
    } finally {
      prod.cleanup();
    }
  });

  it('rejects a stage that would not make valid resource names', () => {
    expect(() => synthRiskloop({ stage: 'Prod_1' }, { bundle: false })).toThrow(/stage/);
  });
});

describe('deploy-time initialisation', () => {
  const initialisation = (template = s.serviceJson) => {
    const found = resourcesOfType(template, 'Custom::RiskloopInitialisation');
    expect(found).toHaveLength(1);
    return found[0] as [string, { Properties?: Record<string, unknown>; DependsOn?: string | string[] }];
  };

  it('runs the manifest initialiser as a custom resource, with a service timeout of minutes, not an hour', () => {
    const [, resource] = initialisation();
    expect(props(resource as never)).toEqual({
      ServiceToken: { 'Fn::GetAtt': [fnId('initialiser'), 'Arn'] },
      ServiceTimeout: '300',
      kekVersion: 'kek1',
      macKeyVersion: 'k1',
    });
  });

  it('deploys every function that reads the keyring after it, and no other', () => {
    const [id] = initialisation();
    for (const [name, spec] of fnEntries) {
      const dependsOn = [s.serviceJson.Resources[fnId(name)]?.DependsOn ?? []].flat();
      const usesKeyring =
        name !== 'initialiser' && Boolean(spec.keys?.pseudonymisation || spec.keys?.dataKeys);
      expect(dependsOn.includes(id), name).toBe(usesKeyring);
    }
  });

  it('takes the first administrator as a key hash only, and refuses anything else', () => {
    const hash = 'ab'.repeat(32);
    const withAdmin = synthRiskloop({ firstAdminKeyHash: hash }, { bundle: false });
    try {
      expect(props(initialisation(withAdmin.serviceJson)[1] as never).firstAdminKeyHash).toBe(hash);
    } finally {
      withAdmin.cleanup();
    }
    const key = `rl_admin_${'A'.repeat(43)}`;
    expect(() => synthRiskloop({ firstAdminKeyHash: key }, { bundle: false })).toThrow(
      /firstAdminKeyHash.*SHA-256/,
    );
  });
});
