import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredTransaction, TransactionStore } from '../domain/ports.js';

/** Bounded parallelism: enough to hide latency, low enough not to hot-spot one partition. */
const writeConcurrency = 16;

export class DynamoTransactionStore implements TransactionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putIfAbsent(txns: readonly StoredTransaction[]): Promise<Map<string, string>> {
    const existing = new Map<string, string>();
    let next = 0;
    const worker = async () => {
      while (next < txns.length) {
        const txn = txns[next++] as StoredTransaction;
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: txn,
              ConditionExpression: 'attribute_not_exists(txnRef)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          existing.set(txn.txnRef, String(error.Item?.contentDigest?.S ?? ''));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(writeConcurrency, txns.length) }, worker));
    return existing;
  }

  async listSince(pseudonym: string, sinceIso: string): Promise<StoredTransaction[]> {
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
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as StoredTransaction[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
