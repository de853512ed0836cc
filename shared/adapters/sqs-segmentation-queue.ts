import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SegmentationJob, SegmentationQueue, ShardJob, ShardQueue } from '../domain/ports.js';
import { chunk } from './dynamo-batch.js';

/** SendMessageBatch in groups of 10 (the SQS limit); partial failures are retried, then raised. */
export class SqsJobQueue<Job> {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(jobs: readonly Job[]): Promise<void> {
    await Promise.all(chunk(jobs, 10).map((group) => this.sendGroup(group)));
  }

  private async sendGroup(group: Job[]): Promise<void> {
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

export class SqsSegmentationQueue extends SqsJobQueue<SegmentationJob> implements SegmentationQueue {}

/** The shards of re-segmentation runs, one message per parallel-scan segment. */
export class SqsShardQueue extends SqsJobQueue<ShardJob> implements ShardQueue {}
