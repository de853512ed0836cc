import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Assignment,
  AssignmentStore,
  AuditEvent,
  DecisionFreshness,
  RecheckRefresh,
} from '../domain/ports.js';
import { assignmentOf } from '../domain/segmentation/pin-shapes.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import { auditPut } from './dynamo-audit-log.js';
import { batchGet, parallelScan } from './dynamo-batch.js';
import { transactUnits } from './dynamo-transact.js';

export class DynamoAssignmentStore implements AssignmentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
  ) {}

  async get(pseudonym: string): Promise<Assignment | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pseudonym }, ConsistentRead: true }),
    );
    return out.Item ? assignmentOf(out.Item as Assignment) : undefined;
  }

  async getMany(pseudonyms: readonly string[]): Promise<Map<string, Assignment>> {
    const items = await batchGet<Assignment>(this.doc, this.tableName, 'pseudonym', pseudonyms, true);
    return new Map(items.map((a) => [a.pseudonym, assignmentOf(a)]));
  }

  async commitMany(
    decisions: readonly { assignment: Assignment; audit: AuditEvent }[],
  ): Promise<('committed' | 'conflict')[]> {
    const auditTable = this.audit?.tableName;
    if (!auditTable) throw new Error('This function has no audit table: it may not write assignments');
    const outcomes = await transactUnits(
      this.doc,
      decisions.map(({ assignment, audit }) => [
        {
          TableName: this.tableName,
          Item: assignment as unknown as Record<string, unknown>,
          ...(assignment.revision === 1
            ? { ConditionExpression: 'attribute_not_exists(pseudonym)' }
            : {
                ConditionExpression: 'revision = :previous',
                ExpressionAttributeValues: { ':previous': assignment.revision - 1 },
              }),
        },
        auditPut(auditTable, audit),
      ]),
      this.audit,
    );
    return outcomes.map((o) => (o.written ? 'committed' : 'conflict'));
  }

  async refreshRecheckAt(updates: readonly RecheckRefresh[]): Promise<void> {
    await Promise.all(
      updates.map((u) =>
        this.doc
          .send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pseudonym: u.pseudonym },
              UpdateExpression: 'SET recheckAt = :at, dueAt = :due',
              ConditionExpression: 'revision = :revision',
              ExpressionAttributeValues: {
                ':at': u.recheckAt,
                ':due': u.dueAt,
                ':revision': u.revision,
              },
            }),
          )
          .catch((error: unknown) => {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }),
      ),
    );
  }

  async freshness(
    pseudonyms: readonly string[],
  ): Promise<Map<string, DecisionFreshness & { pseudonym: string }>> {
    const items = await batchGet<DecisionFreshness & { pseudonym: string }>(
      this.doc,
      this.tableName,
      'pseudonym',
      pseudonyms,
      false,
      {
        expression: 'pseudonym, modelId, modelVersion, recheckAt, dueAt, #prediction.#model',
        names: { '#prediction': 'prediction', '#model': 'model' },
      },
    );
    return new Map(items.map((a) => [a.pseudonym, a]));
  }

  async countBySegment(segments: readonly string[]): Promise<Record<string, number>> {
    const counts = await Promise.all(
      segments.map(async (segment) => {
        let count = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: 'bySegment',
              KeyConditionExpression: '#segment = :s',
              ExpressionAttributeNames: { '#segment': 'segment' },
              ExpressionAttributeValues: { ':s': segment },
              Select: 'COUNT',
              ExclusiveStartKey: startKey,
            }),
          );
          count += page.Count ?? 0;
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        return [segment, count] as const;
      }),
    );
    return Object.fromEntries(counts);
  }

  /** Every assignment, or only those of one parallel-scan segment (a re-segmentation shard). */
  async *scanAll(shard?: { segment: number; of: number }): AsyncIterable<Assignment[]> {
    for await (const page of parallelScan<Assignment>(this.doc, this.tableName, shard ? { shard } : {}))
      yield page.map(assignmentOf);
  }
}
