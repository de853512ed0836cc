import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  type MetricOptions,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName, QueueName, QueueSpec } from '../manifest.js';
import { queues as queueSpecs } from '../manifest.js';
import { type DeployConfig, names } from './config.js';
import type { ManifestFunction } from './functions.js';

export interface MonitoringProps {
  config: DeployConfig;
  storageKey: IKey;
  functions: Record<FunctionName, ManifestFunction>;
  queues: Record<QueueName, { queue: Queue; dlq: Queue }>;
}

const fiveMinutes = Duration.minutes(5);

/**
 * Alarms to one KMS-encrypted SNS topic (optional e-mail subscription) and one dashboard. Each DLQ,
 * queue and function gets its alarms from the manifest, so a new function is monitored on arrival.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;
  private readonly stage: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    this.stage = config.stage;
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: names.resource(config.stage, 'alarms'),
      displayName: `riskloop ${config.stage} alarms`,
      masterKey: props.storageKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new EmailSubscription(config.alarmEmail));
    this.action = new SnsAction(this.topic);

    const dlqs: [string, Queue][] = [];
    for (const [name, { queue, dlq }] of Object.entries(props.queues) as [
      QueueName,
      { queue: Queue; dlq: Queue },
    ][]) {
      const spec: QueueSpec = queueSpecs[name];
      dlqs.push([name, dlq]);
      // Older than every retry could take: the consumer is stuck or too slow.
      const maxAge = spec.visibilityTimeoutSeconds * spec.maxReceiveCount;
      this.alarm(
        `${name}-oldest-message`,
        queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
        maxAge,
        `Oldest message in ${queue.queueName} is older than ${maxAge} s (visibility timeout x maxReceiveCount).`,
      );
    }
    for (const [name, fn] of Object.entries(props.functions) as [FunctionName, ManifestFunction][]) {
      if (fn.asyncDlq) dlqs.push([name, fn.asyncDlq]);
      this.alarm(
        `${name}-errors`,
        fn.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        1,
        `${name} raised errors.`,
      );
      this.alarm(
        `${name}-throttles`,
        fn.fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        1,
        `${name} was throttled (reserved concurrency or account limit).`,
      );
    }
    for (const [name, dlq] of dlqs) {
      this.alarm(
        `${name}-dlq-depth`,
        dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        1,
        `Messages in dead-letter queue ${dlq.queueName}: inspect, fix, then redrive (docs/deploy.md).`,
      );
    }
    this.alarm(
      'api-5xx',
      apiMetric(this.stage, '5XXError', { period: fiveMinutes, statistic: 'Sum' }),
      5,
      'API answered 5 or more 5xx responses in 5 minutes.',
    );
    this.alarm(
      'api-latency-p99',
      apiMetric(this.stage, 'Latency', { period: fiveMinutes, statistic: 'p99' }),
      3000,
      'API p99 latency above 3 s for 15 minutes.',
      3,
    );
    this.dashboard(props, dlqs);
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, periods = 1): void {
    const alarm = new Alarm(this, kebabToPascal(id), {
      alarmName: names.resource(this.stage, id),
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: periods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }

  private dashboard(props: MonitoringProps, dlqs: [string, Queue][]): void {
    const fns = Object.entries(props.functions) as [FunctionName, ManifestFunction][];
    const per = (make: (fn: ManifestFunction) => Metric) => fns.map(([, fn]) => make(fn));
    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: names.resource(props.config.stage, 'overview'),
      defaultInterval: Duration.hours(3),
    });
    const api = (metricName: string, options: MetricOptions = {}) =>
      apiMetric(props.config.stage, metricName, options);
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# riskloop ${props.config.stage}\nAlarms go to SNS topic \`${names.resource(props.config.stage, 'alarms')}\`.`,
        width: 24,
        height: 2,
      }),
      new GraphWidget({
        title: 'API requests, 4xx, 5xx',
        left: [
          api('Count', { statistic: 'Sum' }),
          api('4XXError', { statistic: 'Sum' }),
          api('5XXError', { statistic: 'Sum' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency p50 / p99 (ms)',
        left: [api('Latency', { statistic: 'p50' }), api('Latency', { statistic: 'p99' })],
        width: 12,
      }),
      new GraphWidget({ title: 'Function errors', left: per((f) => f.fn.metricErrors()), width: 8 }),
      new GraphWidget({ title: 'Function throttles', left: per((f) => f.fn.metricThrottles()), width: 8 }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: per((f) => f.fn.metricDuration({ statistic: 'p99' })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Queue depth and age of oldest message (s)',
        left: Object.values(props.queues).map(({ queue }) =>
          queue.metricApproximateNumberOfMessagesVisible(),
        ),
        right: Object.values(props.queues).map(({ queue }) => queue.metricApproximateAgeOfOldestMessage()),
        width: 12,
      }),
      new GraphWidget({
        title: 'Dead-letter queues (should stay at 0)',
        left: dlqs.map(([, dlq]) => dlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' })),
        width: 12,
      }),
    );
  }
}

/**
 * A metric of the stage's REST API, named as API Gateway publishes it (dimension ApiName). The API lives in
 * the API stack: naming it here instead of referring to it keeps the stacks free of exports.
 */
function apiMetric(stage: string, metricName: string, options: MetricOptions): Metric {
  return new Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiName: names.resource(stage, 'api') },
    ...options,
  });
}

function kebabToPascal(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/gi, (_m, _d, c: string) => c.toUpperCase());
}
