import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, AuditLog } from '../domain/ports.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import { transactUnits } from './dynamo-transact.js';
import { dayShardOf } from './index-shards.js';

/**
 * Append-only by construction: this adapter only ever issues conditional Puts on a new key,
 * linked into the container's hash chain (see AuditChainWriter). There is no update or delete
 * path. A retry of the same fact hits the condition and is a no-op.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly chain: AuditChainWriter,
  ) {}

  async append(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await transactUnits(
      this.doc,
      events.map((event) => [auditPut(this.chain.tableName, event)]),
      this.chain,
    );
  }
}

/**
 * The one shape of an audit write, shared with transactional writers. `dayShard` is the record's
 * key in the byDayShard index (index-shards.ts); stored and hashed with the record like any field.
 */
export function auditPut(tableName: string, event: AuditEvent) {
  return {
    TableName: tableName,
    Item: { ...event, dayShard: dayShardOf(event.day, `${event.stream}|${event.eventId}`) } as Record<
      string,
      unknown
    >,
    ConditionExpression: 'attribute_not_exists(eventId)',
  };
}
