import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { IngestIntent, IngestIntents } from '../domain/ingestion/intents.js';
import type { IntentLedger } from '../domain/ingestion/reconcile.js';

/** A backstop only: the request or the reconciler removes an intent long before. */
const intentTtlSeconds = 7 * 86_400;

/** Intents of ingestion requests in flight (table `ingestIntents`, key `intentId`). */
export class DynamoIngestIntents implements IngestIntents, IntentLedger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async open(intent: IngestIntent): Promise<void> {
    const expiresAt = Math.floor(Date.parse(intent.createdAt) / 1000) + intentTtlSeconds;
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...intent, expiresAt } }));
  }

  async close(intentId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { intentId } }));
  }

  async openedBefore(cutoff: Date): Promise<IngestIntent[]> {
    const found: IngestIntent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      // The table holds only requests in flight and the leftovers of crashes: a handful of items.
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'createdAt < :cutoff',
          ExpressionAttributeValues: { ':cutoff': cutoff.toISOString() },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      found.push(...((page.Items ?? []) as IngestIntent[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }
}
