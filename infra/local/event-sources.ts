import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type FunctionName, type FunctionSpec, functions } from '../manifest.js';
import { localFaults, SimulatedCrashError, takeWorkerCrash } from './faults.js';
import type { LocalLambdas } from './lambda.js';
import { dlqUrlOf, localCredentials, localRegion } from './provision.js';

export type RuntimeLog = (line: Record<string, unknown>) => void;

interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Emulates Lambda's SQS event source mapping: gathers up to `batchSize` messages or waits at most
 * `maxBatchingWindowSeconds`, invokes the function, deletes only the records it did not report in
 * `batchItemFailures`. Reported or thrown records stay on the queue, reappear after the visibility
 * timeout and reach the DLQ after `maxReceiveCount`, exactly as on AWS.
 */
export function startSqsPoller(
  name: FunctionName,
  queueUrl: string,
  sqsEndpoint: string,
  lambdas: LocalLambdas,
  log: RuntimeLog,
  container = 0,
): Stoppable {
  const spec: FunctionSpec = functions[name];
  if (spec.trigger.kind !== 'sqs') throw new Error(`${name} is not SQS-triggered`);
  const { batchSize, maxBatchingWindowSeconds } = spec.trigger;
  const sqs = new SQSClient({ region: localRegion, credentials: localCredentials, endpoint: sqsEndpoint });
  const controller = new AbortController();
  const queueArn = `arn:aws:sqs:${localRegion}:000000000000:${queueUrl.split('/').pop()}`;

  const loop = async () => {
    while (!controller.signal.aborted) {
      const batch: Message[] = [];
      const windowEnds = Date.now() + maxBatchingWindowSeconds * 1000;
      try {
        do {
          const remaining = Math.max(0, windowEnds - Date.now());
          const out = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: Math.min(10, batchSize - batch.length),
              // Long-poll while the batch is empty; then only fill up within the window.
              WaitTimeSeconds: batch.length === 0 ? 1 : Math.min(1, Math.floor(remaining / 1000)),
              MessageSystemAttributeNames: ['All'],
              MessageAttributeNames: ['All'],
            }),
            { abortSignal: controller.signal },
          );
          batch.push(...(out.Messages ?? []));
          if ((out.Messages ?? []).length === 0 && batch.length > 0 && Date.now() >= windowEnds) break;
        } while (batch.length > 0 && batch.length < batchSize && Date.now() < windowEnds);
        if (batch.length === 0) continue;
        await deliver(batch);
      } catch (error) {
        if (controller.signal.aborted) return;
        log({ level: 'ERROR', message: 'sqs poller error', fn: name, errorName: (error as Error).name });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  const deliver = async (batch: Message[]) => {
    const event: SQSEvent = {
      Records: batch.map((m) => ({
        messageId: m.MessageId ?? randomUUID(),
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: m.Attributes?.SenderId ?? 'local',
          ApproximateFirstReceiveTimestamp:
            m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: localRegion,
      })),
    };
    let failed: Set<string>;
    try {
      if (name === 'segmentWorker' && localFaults.workerDown) throw new SimulatedCrashError();
      if (name === 'segmentWorker' && takeWorkerCrash()) {
        // Fault injection (faults.ts): the container dies after committing the first half of the
        // batch; as on AWS, the whole batch stays on the queue and comes back after the visibility timeout.
        const half = event.Records.slice(0, Math.ceil(event.Records.length / 2));
        await lambdas.invoke(name, { Records: half }, container);
        throw new SimulatedCrashError();
      }
      const response = (await lambdas.invoke(name, event, container)) as SQSBatchResponse | undefined;
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown invocation fails the whole batch: nothing is deleted.
      log({ level: 'ERROR', message: 'invocation failed', fn: name, errorName: (error as Error).name });
      failed = new Set(event.Records.map((r) => r.messageId));
    }
    const done = event.Records.filter((r) => !failed.has(r.messageId));
    for (let i = 0; i < done.length; i += 10) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.slice(i, i + 10).map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    if (failed.size > 0)
      log({ level: 'WARN', message: 'records will be retried', fn: name, failed: failed.size });
  };

  const running = loop();
  return {
    stop: async () => {
      controller.abort();
      await running;
      sqs.destroy();
    },
  };
}

/** Watches a queue's DLQ and reports every change of depth: nothing lands there silently. */
export function startDlqMonitor(
  queueUrl: string,
  sqsEndpoint: string,
  log: RuntimeLog,
  onDepth: (n: number) => void,
) {
  const sqs = new SQSClient({ region: localRegion, credentials: localCredentials, endpoint: sqsEndpoint });
  let last = 0;
  const timer = setInterval(async () => {
    try {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlqUrlOf(queueUrl),
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      const depth = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      onDepth(depth);
      if (depth !== last)
        log({ level: depth > 0 ? 'WARN' : 'INFO', message: 'DLQ depth changed', queue: 'dlq', depth });
      last = depth;
    } catch {
      // The stand-in may be stopping; the next tick tries again.
    }
  }, 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      sqs.destroy();
    },
  };
}

/** `rate(5 minutes)` → milliseconds. cron() expressions are not fired locally: invoke them by hand. */
export function rateToMs(expression: string): number | undefined {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) return undefined;
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[
    (m[2] as string).replace(/s$/, '') as 'minute'
  ];
  return Number(m[1]) * unit;
}

export function startSchedule(
  name: FunctionName,
  lambdas: LocalLambdas,
  log: RuntimeLog,
): Stoppable | undefined {
  const spec: FunctionSpec = functions[name];
  if (spec.trigger.kind !== 'schedule') return undefined;
  const every = rateToMs(spec.trigger.expression);
  if (every === undefined) {
    log({ level: 'WARN', message: 'schedule not fired locally (only rate() is)', fn: name });
    return undefined;
  }
  const timer = setInterval(() => {
    lambdas.invoke(name, scheduledEvent(name)).catch((error: unknown) => {
      log({
        level: 'ERROR',
        message: 'scheduled invocation failed',
        fn: name,
        errorName: (error as Error).name,
      });
    });
  }, every);
  timer.unref();
  return { stop: async () => clearInterval(timer) };
}

/** The event EventBridge Scheduler/rules deliver to a scheduled function. */
export function scheduledEvent(name: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: localRegion,
    resources: [`arn:aws:events:${localRegion}:000000000000:rule/${name}`],
    detail: {},
  };
}
