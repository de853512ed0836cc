import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { assignmentDelta } from '../domain/insights/aggregates.js';
import type {
  Assignment,
  AssignmentStore,
  AuditEvent,
  DecisionFreshness,
  RecheckRefresh,
} from '../domain/ports.js';
import { assignmentOf } from '../domain/segmentation/pin-shapes.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import type { DynamoAggregates } from './dynamo-aggregates.js';
import { auditPut } from './dynamo-audit-log.js';
import { batchGet, parallelScan } from './dynamo-batch.js';
import { transactUnits } from './dynamo-transact.js';
import { segmentShardOf } from './index-shards.js';

/** The stored item of a decision: the assignment and its key in the bySegmentShard index (index-shards.ts). */
export const assignmentItem = (assignment: Assignment): Record<string, unknown> => ({
  ...assignment,
  segmentShard: segmentShardOf(assignment.segment, assignment.pseudonym),
});

/** The decision of a stored item: the index key is storage, not part of the decision. */
const fromItem = (item: Record<string, unknown> | Assignment): Assignment => {
  const { segmentShard: _key, ...decision } = item as Assignment & { segmentShard?: string };
  return assignmentOf(decision);
};

export class DynamoAssignmentStore implements AssignmentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
    private readonly aggregates?: DynamoAggregates,
  ) {}

  async get(pseudonym: string): Promise<Assignment | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pseudonym }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async getMany(pseudonyms: readonly string[]): Promise<Map<string, Assignment>> {
    const items = await batchGet<Assignment>(this.doc, this.tableName, 'pseudonym', pseudonyms, true);
    return new Map(items.map((a) => [a.pseudonym, fromItem(a)]));
  }

  async commitMany(
    decisions: readonly { assignment: Assignment; audit: AuditEvent; previous?: Assignment }[],
  ): Promise<('committed' | 'conflict')[]> {
    const auditTable = this.audit?.tableName;
    const aggregates = this.aggregates;
    if (!auditTable || !aggregates)
      throw new Error('This function has no audit or aggregates table: it may not write assignments');
    const outcomes = await transactUnits(
      this.doc,
      decisions.map(({ assignment, audit, previous }) => [
        {
          TableName: this.tableName,
          Item: assignmentItem(assignment),
          ...(assignment.revision === 1
            ? { ConditionExpression: 'attribute_not_exists(pseudonym)' }
            : {
                ConditionExpression: 'revision = :previous',
                ExpressionAttributeValues: { ':previous': assignment.revision - 1 },
              }),
        },
        auditPut(auditTable, audit),
        // The previous decision is the one the revision condition names, so the counts move exactly.
        ...aggregates.adds(assignmentDelta(previous, assignment)),
      ]),
      this.audit,
    );
    return outcomes.map((o) => (o.written ? 'committed' : 'conflict'));
  }

  /** Each customer's current segment and score (customers without a decision are absent). */
  async placements(pseudonyms: readonly string[]): Promise<Map<string, { segment: string; score: number }>> {
    const items = await batchGet<{ pseudonym: string; segment: string; score: number }>(
      this.doc,
      this.tableName,
      'pseudonym',
      pseudonyms,
      true,
      { expression: 'pseudonym, #segment, score', names: { '#segment': 'segment' } },
    );
    return new Map(items.map((a) => [a.pseudonym, { segment: a.segment, score: Number(a.score ?? 0) }]));
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

  /**
   * Gives assignments written before the bySegmentShard index its key (on the condition that the
   * segment is still the one read: a newer decision writes its own). Returns how many it updated.
   */
  async backfillSegmentShards(): Promise<number> {
    let updated = 0;
    for await (const page of parallelScan<{ pseudonym: string; segment: string }>(this.doc, this.tableName, {
      projection: 'pseudonym, #s',
      names: { '#s': 'segment', '#k': 'segmentShard' },
      filter: 'attribute_not_exists(#k)',
    })) {
      for (const a of page) {
        await this.doc
          .send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pseudonym: a.pseudonym },
              UpdateExpression: 'SET segmentShard = :k',
              ConditionExpression: '#s = :s',
              ExpressionAttributeNames: { '#s': 'segment' },
              ExpressionAttributeValues: { ':k': segmentShardOf(a.segment, a.pseudonym), ':s': a.segment },
            }),
          )
          .then(() => updated++)
          .catch((error: unknown) => {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          });
      }
    }
    return updated;
  }

  /** Every assignment, or only those of one parallel-scan segment (a re-segmentation shard). */
  async *scanAll(shard?: { segment: number; of: number }): AsyncIterable<Assignment[]> {
    for await (const page of parallelScan<Assignment>(this.doc, this.tableName, shard ? { shard } : {}))
      yield page.map(fromItem);
  }
}
