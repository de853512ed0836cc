import { CfnOutput, CustomResource, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  type QueueName,
  type QueueSpec,
  queues,
} from '../manifest.js';
import { Monitoring } from './alarms.js';
import { type DeployConfig, names } from './config.js';
import { DataReferences } from './data-references.js';
import { pascal } from './data-stack.js';
import { ManifestFunction } from './functions.js';
import { PrivateNetwork, runsInVpc } from './network.js';
import type { Resources } from './permissions.js';
import { deadLetterQueue, secureQueue } from './queues.js';

export interface ServiceStackProps extends StackProps {
  config: DeployConfig;
}

/**
 * The code and its wiring, all derived from infra/manifest.ts: queues with DLQs, functions with
 * least-privilege roles, their SQS event sources and schedules, alarms and the dashboard (the API that
 * invokes the HTTP functions is the API stack's). No data lives here; the data stack's tables, buses and
 * keys are reached by name or weak reference (data-references.ts), never through an export. Its log
 * groups outlive a destroy and are adopted again by `cdk deploy --import-existing-resources`.
 */
export class ServiceStack extends Stack {
  readonly queues = {} as Record<QueueName, { queue: Queue; dlq: Queue }>;
  readonly functions = {} as Record<FunctionName, ManifestFunction>;
  readonly monitoring: Monitoring;
  /** Private mode only (`-c network=private`): the VPC, its endpoints and security groups. */
  readonly network: PrivateNetwork | undefined;
  /** The compliance bus (created by the data stack) the functions publish workflow events on. */
  readonly eventBus: IEventBus;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const data = new DataReferences(this, 'Data', config.stage);
    const key = data.storageKey;

    for (const [name, spec] of Object.entries(queues) as [QueueName, QueueSpec][]) {
      const dlq = deadLetterQueue(this, `${pascal(name)}Dlq`, names.dlq(config.stage, name), key);
      const queue = secureQueue(this, `${pascal(name)}Queue`, {
        queueName: names.resource(config.stage, name),
        key,
        retention: Duration.days(spec.retentionDays),
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        deadLetter: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
      });
      this.queues[name] = { queue, dlq };
    }

    const resources: Resources = {
      tables: data.tables,
      keys: data.keys,
      eventBuses: data.eventBuses,
      storageKey: key,
      queues: Object.fromEntries(Object.entries(this.queues).map(([n, q]) => [n, q.queue])) as Record<
        QueueName,
        Queue
      >,
    };
    this.network =
      config.network === 'private' ? new PrivateNetwork(this, 'Network', { config, key }) : undefined;
    for (const [name, spec] of Object.entries(functions) as [FunctionName, FunctionSpec][]) {
      const network = runsInVpc(spec, config) ? this.network : undefined;
      const fn = new ManifestFunction(this, pascal(name), { name, spec, config, resources, network });
      this.functions[name] = fn;
      this.trigger(config.stage, name, spec, fn);
    }
    this.network?.limitTo(
      Object.values(this.functions)
        .filter((fn) => fn.fn.isBoundToVpc)
        .flatMap((fn) => fn.statements),
      config.stage,
    );
    this.initialisation(config);

    this.eventBus = data.eventBuses.compliance;

    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      storageKey: key,
      functions: this.functions,
      queues: this.queues,
    });

    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'ComplianceEventBusName', { value: this.eventBus.eventBusName });
  }

  /**
   * The deployment runs the initialiser (a custom resource calling it) before any function that reads the
   * keyring exists or changes: no request can find the keyring empty, and a new KEK version is created
   * before the functions that wrap under it are updated.
   */
  private initialisation(config: DeployConfig): void {
    const entries = Object.entries(functions) as [FunctionName, FunctionSpec][];
    const initialisers = entries.filter(([, spec]) => spec.trigger.kind === 'deployment');
    const [initialiser] = initialisers;
    if (initialisers.length !== 1 || !initialiser)
      throw new Error('The manifest must declare exactly one initialiser');
    const resource = new CustomResource(this, 'Initialisation', {
      serviceToken: this.functions[initialiser[0]].fn.functionArn,
      resourceType: 'Custom::RiskloopInitialisation',
      // Fails the deploy in minutes, not CloudFormation's default hour, if no answer ever comes.
      serviceTimeout: Duration.minutes(5),
      properties: {
        kekVersion: config.kekVersion,
        // The stacks never change the MAC secret's version (docs/deploy.md, "MAC secret versions").
        macKeyVersion: 'k1',
        // Only the hash: the key itself never reaches a template, an output or a log.
        ...(config.firstAdminKeyHash ? { firstAdminKeyHash: config.firstAdminKeyHash } : {}),
      },
    });
    for (const [name, spec] of entries) {
      if (name !== initialiser[0] && (spec.keys?.pseudonymisation || spec.keys?.dataKeys)) {
        this.functions[name].fn.node.addDependency(resource);
      }
    }
  }

  private trigger(stage: string, name: FunctionName, spec: FunctionSpec, fn: ManifestFunction): void {
    const { trigger } = spec;
    if (trigger.kind === 'sqs') {
      const queueSpec: QueueSpec = queues[trigger.queue];
      if (queueSpec.visibilityTimeoutSeconds < 6 * spec.timeoutSeconds) {
        throw new Error(
          `Queue ${trigger.queue}: visibility timeout must be at least 6x the timeout of ${name} (AWS guidance)`,
        );
      }
      fn.fn.addEventSource(
        new SqsEventSource(this.queues[trigger.queue].queue, {
          batchSize: trigger.batchSize,
          maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
          reportBatchItemFailures: true,
          // Pollers beyond the reserved concurrency would only be throttled, and every throttled
          // batch counts towards maxReceiveCount: good messages would end in the DLQ.
          maxConcurrency:
            spec.reservedConcurrency !== undefined && spec.reservedConcurrency >= 2
              ? spec.reservedConcurrency
              : undefined,
        }),
      );
    } else if (trigger.kind === 'schedule') {
      new Rule(this, `${pascal(name)}Schedule`, {
        // Named after its function: a `-schedule` suffix would take the longest names past 85 % of 64.
        ruleName: names.resource(stage, name),
        description: trigger.description,
        schedule: Schedule.expression(trigger.expression),
        // EventBridge retries a failed delivery (throttled, function being updated) for up to two hours, then
        // parks the event in the function's dead-letter queue, beside the runs Lambda itself gave up on: one
        // queue and one depth alarm say "a scheduled run did not happen" (docs/deploy.md, "Failure destinations").
        targets: [
          new LambdaFunction(fn.fn, {
            retryAttempts: 4,
            maxEventAge: Duration.hours(2),
            deadLetterQueue: fn.asyncDlq,
          }),
        ],
      });
    }
    // http and authorizer triggers are wired by the API stack (api-stack.ts) from httpRoutes().
  }
}
