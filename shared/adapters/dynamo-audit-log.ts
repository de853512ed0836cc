import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, AuditLog } from '../domain/ports.js';

/**
 * Append-only by construction: this adapter only ever issues conditional Puts on a new key.
 * There is no update or delete path. A retry of the same fact hits the condition and is a no-op.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(events: readonly AuditEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.appendOne(event)));
  }

  private async appendOne(event: AuditEvent): Promise<void> {
    try {
      await this.doc.send(new PutCommand(auditPut(this.tableName, event)));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** The one shape of an audit write, shared with transactional writers. */
export function auditPut(tableName: string, event: AuditEvent) {
  return {
    TableName: tableName,
    Item: event as unknown as Record<string, unknown>,
    ConditionExpression: 'attribute_not_exists(eventId)',
  };
}
