import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredTransaction, TransactionStore } from '../domain/ports.js';
import { transactUnits } from './dynamo-transact.js';

export class DynamoTransactionStore implements TransactionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putIfAbsent(txns: readonly StoredTransaction[]): Promise<Map<string, string>> {
    const outcomes = await transactUnits(
      this.doc,
      txns.map((txn) => [
        {
          TableName: this.tableName,
          Item: txn as unknown as Record<string, unknown>,
          ConditionExpression: 'attribute_not_exists(txnRef)',
        },
      ]),
    );
    const existing = new Map<string, string>();
    outcomes.forEach((outcome, i) => {
      if (!outcome.written)
        existing.set((txns[i] as StoredTransaction).txnRef, String(outcome.existing[0]?.contentDigest ?? ''));
    });
    return existing;
  }

  async listSince(pseudonym: string, sinceIso: string, consistent = true): Promise<StoredTransaction[]> {
    const items: StoredTransaction[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pseudonym = :p',
          FilterExpression: '#ts >= :since',
          ExpressionAttributeNames: { '#ts': 'timestamp' },
          ExpressionAttributeValues: { ':p': pseudonym, ':since': sinceIso },
          // Strongly consistent by default: a decision's recheckAt must account for the write that queued it.
          ConsistentRead: consistent,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as StoredTransaction[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
