import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { outcomeDelta } from '../domain/insights/aggregates.js';
import type { AuditOutcome, OutcomeStore } from '../domain/ports.js';
import type { DynamoAggregates } from './dynamo-aggregates.js';
import { parallelScan, queryAll } from './dynamo-batch.js';
import { transactUnits } from './dynamo-transact.js';

export class DynamoOutcomeStore implements OutcomeStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly aggregates?: DynamoAggregates,
  ) {}

  /** Stores each new outcome with its counts (see `outcomeDelta`): a repeated outcome counts once. */
  async putMany(outcomes: readonly AuditOutcome[]): Promise<boolean[]> {
    const aggregates = this.aggregates;
    if (!aggregates) throw new Error('This function has no aggregates table: it may not record outcomes');
    const results = await transactUnits(
      this.doc,
      outcomes.map((o) => [
        {
          TableName: this.tableName,
          Item: o as unknown as Record<string, unknown>,
          ConditionExpression: 'attribute_not_exists(outcomeId)',
        },
        ...aggregates.adds(outcomeDelta(o)),
      ]),
    );
    return results.map((r) => r.written);
  }

  /** One customer's outcomes: a query on its partition, never a scan. */
  ofSubject(pseudonym: string): Promise<AuditOutcome[]> {
    return queryAll<AuditOutcome>(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pseudonym = :p',
      ExpressionAttributeValues: { ':p': pseudonym },
      ConsistentRead: true,
    });
  }

  scanAll(): AsyncIterable<AuditOutcome[]> {
    return parallelScan<AuditOutcome>(this.doc, this.tableName);
  }
}
