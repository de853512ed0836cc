import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface RedriveResult {
  moved: number;
  /** Messages whose send failed: they stay in the DLQ and come back there after the hold below. */
  failed: number;
}

/** How long a message being moved is hidden in the DLQ: a crash mid-move leaves it there, not lost. */
const holdSeconds = 30;

/**
 * Moves every message of `dlqUrl` back to `queueUrl`, ten at a time: receive, send, then delete only
 * what was sent. It is what SQS's StartMessageMoveTask does on AWS (fauxqs lacks it). At-least-once:
 * a crash between send and delete leaves a copy in both, which is safe because segmentation is
 * idempotent (unchanged input writes no revision and no audit record).
 */
export async function redriveDlq(sqs: SQSClient, dlqUrl: string, queueUrl: string): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, failed: 0 };
  for (;;) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: holdSeconds,
        MessageAttributeNames: ['All'],
      }),
    );
    if (messages.length === 0) return result;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    result.failed += messages.length - ok.size;
    const done = messages.flatMap((m, i) =>
      ok.has(String(i)) ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' }] : [],
    );
    if (done.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: done }));
    result.moved += done.length;
  }
}
