import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSqsJournal } from '../../infra/local/sqs-journal.js';

/** The local SQS journal against a real fauxqs: what a run sent and never deleted, the next run sends again. */
const host = '127.0.0.1';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function run(file: string) {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const journal = await startSqsJournal({ target: `http://${host}:${fauxqs.port}`, host, port: 0, file });
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: journal.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // A run that dies: its queues are gone with it (fauxqs is in memory), its journal file stays.
  const die = async () => {
    sqs.destroy();
    await journal.close();
    await fauxqs.stop();
  };
  cleanups.push(die);
  const queue = async (name: string) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const receiveAll = async (queueUrl: string) =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];
  return { sqs, journal, queue, receiveAll, die };
}

describe('local SQS journal', () => {
  it('sends again, at the next start, what the previous run queued and never deleted', async () => {
    // Prepare: a run sends four messages (one alone, three in a batch), processes and deletes one.
    const file = join(mkdtempSync(join(tmpdir(), 'riskloop-journal-')), 'sqs-journal.jsonl');
    const first = await run(file);
    const url = await first.queue('jobs');
    await first.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'alone',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'single' } },
      }),
    );
    await first.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['b1', 'b2', 'b3'].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    const received = await first.receiveAll(url);
    const done = received.find((m) => m.Body === 'b2');
    await first.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: done?.ReceiptHandle }));

    // Act: the run dies; a new one creates its queues and replays the journal.
    await first.die();
    const second = await run(file);
    const secondUrl = await second.queue('jobs');
    expect(await second.journal.replay()).toBe(3);

    // Assess: the three undeleted messages are back, attributes included; the deleted one is not.
    const back = await second.receiveAll(secondUrl);
    expect(back.map((m) => m.Body).sort()).toEqual(['alone', 'b1', 'b3']);
    expect(back.find((m) => m.Body === 'alone')?.MessageAttributes?.kind?.StringValue).toBe('single');
    // Replayed once only: a third run, after the second deleted nothing, finds the same three, not six.
    await second.die();
    const third = await run(file);
    await third.queue('jobs');
    expect(await third.journal.replay()).toBe(3);
  });

  it('forgets a purged queue, and skips a queue the next run no longer has', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'riskloop-journal-')), 'sqs-journal.jsonl');
    const first = await run(file);
    const purged = await first.queue('purged');
    const gone = await first.queue('gone');
    await first.sqs.send(new SendMessageCommand({ QueueUrl: purged, MessageBody: 'x' }));
    await first.sqs.send(new SendMessageCommand({ QueueUrl: gone, MessageBody: 'y' }));
    await first.sqs.send(new PurgeQueueCommand({ QueueUrl: purged }));

    // Act
    await first.die();
    const second = await run(file);
    await second.queue('purged');

    // Assess: nothing to send again, and the message of the missing queue is dropped for good (a later
    // run that has the queue again does not get it).
    expect(await second.journal.replay()).toBe(0);
    await second.die();
    const third = await run(file);
    await third.queue('gone');
    expect(await third.journal.replay()).toBe(0);
  });
});
