import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ChainHead } from '../domain/audit-trail/chain.js';
import type { AuditTrailStore, Checkpoint } from '../domain/audit-trail/verify.js';
import { CHAIN_HEADS_STREAM } from './audit-chain-writer.js';
import { queryAll } from './dynamo-batch.js';
import { shardKeys } from './index-shards.js';

/** Checkpoints live in the audit table too, in their own stream, written once and never changed. */
export const CHECKPOINT_STREAM = 'checkpoints';

/** Reads the hash-chained audit table for verification, and appends signed checkpoints. */
export class DynamoAuditTrail implements AuditTrailStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async heads(day?: string): Promise<ChainHead[]> {
    const items = await queryAll<{ eventId: string; headSeq: number; headHash: string }>(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: day ? '#s = :s AND begins_with(eventId, :day)' : '#s = :s',
      ExpressionAttributeNames: { '#s': 'stream' },
      ExpressionAttributeValues: { ':s': CHAIN_HEADS_STREAM, ...(day ? { ':day': `${day}#` } : {}) },
      ConsistentRead: true,
    });
    return items.map((i) => ({ chain: i.eventId, seq: i.headSeq, hash: i.headHash }));
  }

  /** Records linked before `chainPosition` replaced `chainSeq` (the byChain index holds only those). */
  legacyChainRecords(chain: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: 'byChain',
      KeyConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'chain' },
      ExpressionAttributeValues: { ':c': chain },
    });
  }

  /** The 16 shards of the day in the byDayShard index, read in parallel (index-shards.ts). */
  async dayRecords(day: string): Promise<Record<string, unknown>[]> {
    const shards = await Promise.all(
      shardKeys(day).map((key) =>
        queryAll<Record<string, unknown>>(this.doc, {
          TableName: this.tableName,
          IndexName: 'byDayShard',
          KeyConditionExpression: '#d = :d',
          ExpressionAttributeNames: { '#d': 'dayShard' },
          ExpressionAttributeValues: { ':d': key },
        }),
      ),
    );
    return shards.flat();
  }

  /** Does the subject's audit stream record an erasure? (Read only when a queued job finds no profile.) */
  async wasErased(pseudonym: string): Promise<boolean> {
    const found = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#s = :s',
      FilterExpression: '#a = :erased',
      ExpressionAttributeNames: { '#s': 'stream', '#a': 'action' },
      ExpressionAttributeValues: { ':s': pseudonym, ':erased': 'subject.erased' },
      ProjectionExpression: 'eventId',
    });
    return found.length > 0;
  }

  async checkpoints(): Promise<Checkpoint[]> {
    const items = await queryAll<Checkpoint & { stream: string; eventId: string }>(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'stream' },
      ExpressionAttributeValues: { ':s': CHECKPOINT_STREAM },
      ConsistentRead: true,
    });
    return items.map(({ stream: _s, eventId: _e, ...checkpoint }) => checkpoint);
  }

  async putCheckpoint(checkpoint: Checkpoint): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { stream: CHECKPOINT_STREAM, eventId: checkpoint.at, ...checkpoint },
          ConditionExpression: 'attribute_not_exists(eventId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
