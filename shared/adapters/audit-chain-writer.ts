import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ChainHead,
  chainIdOf,
  dayOfChain,
  GENESIS_HASH,
  linkRecords,
} from '../domain/audit-trail/chain.js';
import type { ConditionalPut, UnitItem } from './dynamo-transact.js';
import { dayShardOf } from './index-shards.js';

/** Where chain heads live in the audit table: one partition, sort key = chain id (day first). */
export const CHAIN_HEADS_STREAM = 'chains';

/**
 * Links the audit records of this container into its own chain (one per day) as they are written.
 * A Lambda container runs one invocation at a time, so owning a chain per container means no two
 * writers ever race for the same head; within the container, writes that carry audit records are
 * queued so links never fork. The head is written in the same transaction as the records it
 * covers, under a condition on its previous position, so a lost race or an unknown outcome
 * (timeout) is detected and the head reloaded instead of silently forking the chain.
 */
export class AuditChainWriter {
  /** Random per container: chains of different containers never collide. */
  readonly writerId = randomBytes(6).toString('base64url');
  private head: ChainHead | 'unknown' | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Calls `send` with `puts` where every audit record (a put on the audit table) is linked into
   * the chain, plus the head put to include in the same transaction. Serialised per container.
   */
  write<T>(puts: readonly UnitItem[], send: (linked: UnitItem[], head: ConditionalPut) => Promise<T>) {
    const run = this.queue.then(() => this.writeNow(puts, send));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow<T>(
    puts: readonly UnitItem[],
    send: (linked: UnitItem[], head: ConditionalPut) => Promise<T>,
  ): Promise<T> {
    const chain = chainIdOf(this.clock().toISOString().slice(0, 10), this.writerId);
    const start = await this.currentHead(chain);
    const auditIndexes = puts.flatMap((p, i) => ('Item' in p && p.TableName === this.tableName ? [i] : []));
    // Listed under the chain's day, so a day's records in byDayShard hold its chains whole (the
    // verifier reads chains from there); hashed with the record like any field.
    const day = dayOfChain(chain);
    const { linked, head } = linkRecords(
      start,
      auditIndexes.map((i) => {
        const item = (puts[i] as ConditionalPut).Item;
        return { ...item, dayShard: dayShardOf(day, `${item.stream}|${item.eventId}`) };
      }),
    );
    const out = puts.map((p) => ({ ...p }));
    auditIndexes.forEach((i, k) => {
      (out[i] as ConditionalPut).Item = linked[k] as Record<string, unknown>;
    });
    const headPut: ConditionalPut = {
      TableName: this.tableName,
      Item: {
        stream: CHAIN_HEADS_STREAM,
        eventId: chain,
        headSeq: head.seq,
        headHash: head.hash,
        updatedAt: this.clock().toISOString(),
      },
      ...(start.seq === 0
        ? { ConditionExpression: 'attribute_not_exists(eventId)' }
        : {
            ConditionExpression: 'headSeq = :previous',
            ExpressionAttributeValues: { ':previous': start.seq },
          }),
    };
    try {
      const result = await send(out, headPut);
      this.head = head;
      return result;
    } catch (error) {
      // A cancelled transaction wrote nothing, so the head stays where it was, unless the head's
      // own condition failed (someone else moved it). After any other error the outcome is
      // unknown: read the head back before linking again.
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      const headRefused = reasons[out.length]?.Code === 'ConditionalCheckFailed';
      this.head = error instanceof TransactionCanceledException && !headRefused ? start : 'unknown';
      throw error;
    }
  }

  private async currentHead(chain: string): Promise<ChainHead> {
    const known = this.head;
    if (known !== 'unknown') {
      if (known?.chain === chain) return known;
      // A fresh container, or the first write of a new day: a new chain starts at the genesis hash.
      if (known === undefined || known.chain < chain) return { chain, seq: 0, hash: GENESIS_HASH };
    }
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { stream: CHAIN_HEADS_STREAM, eventId: chain },
        ConsistentRead: true,
      }),
    );
    const item = out.Item as { headSeq: number; headHash: string } | undefined;
    return item ? { chain, seq: item.headSeq, hash: item.headHash } : { chain, seq: 0, hash: GENESIS_HASH };
  }
}
