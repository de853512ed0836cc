import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { listen, readBody, relay } from './relay.js';

/**
 * fauxqs keeps its queues in memory, so a kill -9 of `npm start` would lose every message not yet
 * processed; SQS never does, and riskloop's crash repair relies on that (an ingestion request forgets
 * its intent once its customers are queued). This pass-through proxy in front of fauxqs makes the
 * local queues durable the way that matters: a send is answered only after it is appended to a journal
 * file, a delete is journaled once done, and at the next start `replay` sends again what the previous
 * run never deleted, to the queue it was sent to (one that had reached a DLQ goes back through its
 * receives; the DLQ itself is not kept). A message sent twice is harmless: every consumer is idempotent.
 */
export interface SqsJournal {
  url: string;
  /** Sends again the messages an earlier run left undeleted; resolves to how many. */
  replay(): Promise<number>;
  close(): Promise<void>;
}

/** One SendMessage(Batch) entry as it travels (SQS JSON protocol), without its batch id. */
type Entry = Record<string, unknown> & { MessageBody: string };
type Line = { s: string; q: string; m: Entry } | { d: string } | { p: string };

const jsonProtocol = 'application/x-amz-json-1.0';

export async function startSqsJournal(options: {
  /** fauxqs's endpoint. */
  target: string;
  host: string;
  /** 0: any free port. */
  port: number;
  file: string;
}): Promise<SqsJournal> {
  const { target, host, port, file } = options;
  const upstream = new URL(target);
  /** Sent, not yet deleted: message id → queue name and entry. */
  const pending = new Map<string, { q: string; m: Entry }>();
  const leftover = load(file, pending);
  /** Receipt handle → message id, from receives (a delete names the handle, not the message). */
  const handles = new Map<string, string>();
  let appended = 0;

  const compact = () => {
    const temporary = `${file}.tmp`;
    writeFileSync(
      temporary,
      [...pending].map(([s, { q, m }]) => `${JSON.stringify({ s, q, m } satisfies Line)}\n`).join(''),
    );
    renameSync(temporary, file);
    appended = pending.size;
  };
  const journal = (lines: Line[]) => {
    if (lines.length === 0) return;
    // Synchronous: the sender is answered only once its message would survive this process's death.
    appendFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    appended += lines.length;
    // Deleted messages are dead weight: rewrite the file once it holds mostly them.
    if (appended > 10_000 && appended > 4 * pending.size) compact();
  };
  compact();

  const record = (action: string, request: Record<string, unknown>, answer: Record<string, unknown>) => {
    const queue = queueName(request.QueueUrl);
    if (action === 'SendMessage' && typeof answer.MessageId === 'string') {
      const { QueueUrl: _, ...entry } = request;
      sent(answer.MessageId, queue, entry as Entry);
    } else if (action === 'SendMessageBatch') {
      const entries = new Map(
        ((request.Entries ?? []) as (Entry & { Id: string })[]).map(({ Id, ...entry }) => [Id, entry]),
      );
      for (const ok of (answer.Successful ?? []) as { Id: string; MessageId: string }[]) {
        const entry = entries.get(ok.Id);
        if (entry) sent(ok.MessageId, queue, entry);
      }
    } else if (action === 'ReceiveMessage') {
      for (const m of (answer.Messages ?? []) as { MessageId: string; ReceiptHandle: string }[])
        handles.set(m.ReceiptHandle, m.MessageId);
    } else if (action === 'DeleteMessage') {
      deleted([request.ReceiptHandle]);
    } else if (action === 'DeleteMessageBatch') {
      const byId = new Map(
        ((request.Entries ?? []) as { Id: string; ReceiptHandle: string }[]).map((e) => [
          e.Id,
          e.ReceiptHandle,
        ]),
      );
      deleted(((answer.Successful ?? []) as { Id: string }[]).map((ok) => byId.get(ok.Id)));
    } else if (action === 'PurgeQueue' || action === 'DeleteQueue') {
      journal([{ p: queue }]);
      for (const [id, message] of pending) if (message.q === queue) pending.delete(id);
    }
  };
  const batch: Line[] = [];
  const sent = (id: string, q: string, m: Entry) => {
    pending.set(id, { q, m });
    batch.push({ s: id, q, m });
  };
  const deleted = (receiptHandles: unknown[]) => {
    for (const handle of receiptHandles) {
      const id = typeof handle === 'string' ? handles.get(handle) : undefined;
      if (id === undefined) continue;
      handles.delete(handle as string);
      if (pending.delete(id)) batch.push({ d: id });
    }
  };

  const server = await listen(
    (req, res) => {
      void readBody(req).then((body) => {
        const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
        relay(upstream, req, res, body, {
          // Before the client is answered: a send it was told of is on disk.
          seen: (answer) => {
            try {
              record(
                action,
                JSON.parse(body.toString('utf8') || '{}'),
                JSON.parse(answer.toString('utf8') || '{}'),
              );
              journal(batch.splice(0));
            } catch {
              // Not the JSON protocol (nothing here speaks another): relayed, not journaled.
              batch.length = 0;
            }
          },
        });
      });
    },
    host,
    port,
  );
  const { url } = server;

  const call = async (action: string, input: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': jsonProtocol, 'x-amz-target': `AmazonSQS.${action}` },
      body: JSON.stringify(input),
    });
    const answer = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${action}: ${String(answer.message ?? answer.__type ?? res.status)}`);
    return answer;
  };

  return {
    url,
    replay: async () => {
      let sentAgain = 0;
      for (const [id, { q, m }] of leftover) {
        // A queue the new run no longer has: nothing would consume the message.
        const queueUrl = await call('GetQueueUrl', { QueueName: q }).then(
          (a) => a.QueueUrl as string,
          () => undefined,
        );
        if (queueUrl) {
          await call('SendMessage', { ...m, QueueUrl: queueUrl });
          sentAgain++;
        }
        pending.delete(id);
        journal([{ d: id }]);
      }
      leftover.clear();
      return sentAgain;
    },
    close: () => server.close(),
  };
}

/** The messages a journal file holds undeleted; also put in `pending`. A torn last line is skipped. */
function load(
  file: string,
  pending: Map<string, { q: string; m: Entry }>,
): Map<string, { q: string; m: Entry }> {
  if (!existsSync(file)) return new Map();
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      continue;
    }
    if (typeof line !== 'object' || line === null) continue;
    if ('s' in line) pending.set(line.s, { q: line.q, m: line.m });
    else if ('d' in line) pending.delete(line.d);
    else for (const [id, message] of pending) if (message.q === line.p) pending.delete(id);
  }
  return new Map(pending);
}

const queueName = (queueUrl: unknown) =>
  typeof queueUrl === 'string' ? (queueUrl.split('/').pop() ?? '') : '';
