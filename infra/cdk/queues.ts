import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { suppressControl, suppressStorageKeyReference } from './control-tower.js';

export interface SecureQueueProps {
  queueName: string;
  key: IKey;
  retention: Duration;
  visibilityTimeout?: Duration;
  deadLetter?: { queue: Queue; maxReceiveCount: number };
}

/**
 * Every queue riskloop creates: KMS-encrypted with the storage key, TLS-only (the queue policy
 * denies requests without aws:SecureTransport), and its retention set explicitly.
 */
export function secureQueue(scope: Construct, id: string, props: SecureQueueProps): Queue {
  const queue = new Queue(scope, id, {
    queueName: props.queueName,
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    // One data key per 5 minutes: bounds KMS calls under load (the account-wide KMS quota is shared).
    dataKeyReuse: Duration.minutes(5),
    enforceSSL: true,
    retentionPeriod: props.retention,
    visibilityTimeout: props.visibilityTimeout,
    deadLetterQueue: props.deadLetter,
  });
  suppressStorageKeyReference(queue, 'sqs_queue_encrypted_check');
  return queue;
}

/** A dead-letter queue: kept as long as SQS allows (14 days) so nothing is lost before someone looks. */
export function deadLetterQueue(scope: Construct, id: string, queueName: string, key: IKey): Queue {
  const dlq = secureQueue(scope, id, { queueName, key, retention: Duration.days(14) });
  suppressControl(
    dlq,
    'sqs_dlq_check',
    'This queue is itself a dead-letter queue: what reaches it has already failed, and a depth alarm fires on its ' +
      'first message (alarms.ts). Redriving it to a further queue would only move the failure out of sight.',
  );
  return dlq;
}
