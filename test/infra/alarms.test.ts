import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  type QueueName,
  type QueueSpec,
  queues,
  resourceName,
} from '../../infra/manifest.js';
import {
  dataKeyArn,
  logicalIdWhere,
  props,
  resourcesOfType,
  type Synthesized,
  synthRiskloop,
} from './synth.js';

const fnNames = Object.keys(functions) as FunctionName[];
let s: Synthesized;

beforeAll(() => {
  s = synthRiskloop({ alarmEmail: 'ops@example.com' }, { bundle: false });
});
afterAll(() => s?.cleanup());

const alarms = () => resourcesOfType(s.serviceJson, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
const alarmOn = (metricName: string, dimension: string, value: unknown) =>
  alarms().filter(
    (a) =>
      a.MetricName === metricName &&
      JSON.stringify(a.Dimensions).includes(JSON.stringify({ Name: dimension, Value: value })),
  );
const queueRef = (name: string) => ({
  'Fn::GetAtt': [logicalIdWhere(s.serviceJson, 'AWS::SQS::Queue', 'QueueName', name), 'QueueName'],
});
const fnRef = (name: FunctionName) => ({
  Ref: logicalIdWhere(s.serviceJson, 'AWS::Lambda::Function', 'FunctionName', resourceName('dev', name)),
});

describe('alarm topic', () => {
  it('is KMS-encrypted with the storage key and TLS-only', () => {
    s.service.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'riskloop-dev-alarms',
      KmsMasterKeyId: dataKeyArn('Storage'),
    });
    s.service.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the alarm e-mail from context, and nothing without it', () => {
    s.service.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const quiet = synthRiskloop({}, { bundle: false });
    try {
      quiet.service.resourceCountIs('AWS::SNS::Subscription', 0);
    } finally {
      quiet.cleanup();
    }
  });

  it('is the alarm and OK action of every alarm', () => {
    const topicId = resourcesOfType(s.serviceJson, 'AWS::SNS::Topic')[0]?.[0];
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });
});

describe('alarms', () => {
  it('fires on any message in each dead-letter queue', () => {
    const dlqNames = resourcesOfType(s.serviceJson, 'AWS::SQS::Queue')
      .map(([, q]) => String(props(q).QueueName))
      .filter((n) => n.endsWith('-dlq'));
    expect(dlqNames.length).toBe(
      Object.keys(queues).length +
        Object.values(functions).filter((f) => f.trigger.kind === 'schedule').length,
    );
    for (const name of dlqNames) {
      const found = alarmOn('ApproximateNumberOfMessagesVisible', 'QueueName', queueRef(name));
      expect(found, name).toHaveLength(1);
      expect(found[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  it.each(Object.entries(queues) as [QueueName, QueueSpec][])(
    '%s: alarms when the oldest message outlives every retry',
    (name, spec) => {
      const found = alarmOn(
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        queueRef(resourceName('dev', name)),
      );
      expect(found).toHaveLength(1);
      expect(found[0]?.Threshold).toBe(spec.visibilityTimeoutSeconds * spec.maxReceiveCount);
    },
  );

  it.each(fnNames)('%s: alarms on errors and on throttles', (name) => {
    expect(alarmOn('Errors', 'FunctionName', fnRef(name))).toHaveLength(1);
    expect(alarmOn('Throttles', 'FunctionName', fnRef(name))).toHaveLength(1);
  });

  it('alarms on API 5xx and p99 latency', () => {
    const api = alarms().filter((a) => a.Namespace === 'AWS/ApiGateway');
    expect(api.find((a) => a.MetricName === '5XXError')).toMatchObject({ Statistic: 'Sum' });
    expect(api.find((a) => a.MetricName === 'Latency')).toMatchObject({
      ExtendedStatistic: 'p99',
      Threshold: 3000,
    });
  });

  it('names every alarm riskloop-<stage>-...', () => {
    for (const alarm of alarms()) expect(String(alarm.AlarmName)).toMatch(/^riskloop-dev-[a-z0-9-]+$/);
  });
});

describe('dashboard', () => {
  it('shows every function, queue and DLQ', () => {
    const dashboards = resourcesOfType(s.serviceJson, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(props(dashboards[0]?.[1]).DashboardBody);
    for (const [name] of Object.entries(functions) as [FunctionName, FunctionSpec][]) {
      expect(body).toContain(fnRef(name).Ref);
    }
    expect(body).toContain('ApproximateAgeOfOldestMessage');
    expect(body).toContain('5XXError');
  });
});
