import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SegmentationJob, SegmentationQueue } from '../domain/ports.js';
import { chunk } from './dynamo-batch.js';

/** SendMessageBatch in groups of 10 (the SQS limit); partial failures are retried, then raised. */
export class SqsSegmentationQueue implements SegmentationQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(jobs: readonly SegmentationJob[]): Promise<void> {
    await Promise.all(chunk(jobs, 10).map((group) => this.sendGroup(group)));
  }

  private async sendGroup(group: SegmentationJob[]): Promise<void> {
    let pending = group.map((job, i) => ({ Id: String(i), MessageBody: JSON.stringify(job) }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 4) throw new Error(`SendMessageBatch failed for ${pending.length} message(s)`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const out = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
      );
      const failed = new Set((out.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((e) => failed.has(e.Id));
    }
  }
}
