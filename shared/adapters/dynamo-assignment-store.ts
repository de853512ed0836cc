import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { discardedDecision } from '../domain/audit.js';
import { assignmentDelta } from '../domain/insights/aggregates.js';
import type {
  Assignment,
  AssignmentStore,
  AuditEvent,
  DecisionFreshness,
  RecheckRefresh,
} from '../domain/ports.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import type { DynamoAggregates } from './dynamo-aggregates.js';
import { assignmentFromItem, assignmentItem, DynamoAssignmentScanner } from './dynamo-assignment-items.js';
import { auditPut } from './dynamo-audit-log.js';
import { batchGet, parallelScan } from './dynamo-batch.js';
import { outcomesBeforeFailure, transactUnits, type UnitOutcome } from './dynamo-transact.js';
import { segmentShardOf } from './index-shards.js';

export { assignmentItem } from './dynamo-assignment-items.js';

export class DynamoAssignmentStore implements AssignmentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
    private readonly aggregates?: DynamoAggregates,
  ) {
    this.scanner = new DynamoAssignmentScanner(doc, tableName);
  }

  private readonly scanner: DynamoAssignmentScanner;

  async get(pseudonym: string): Promise<Assignment | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pseudonym }, ConsistentRead: true }),
    );
    return out.Item ? assignmentFromItem(out.Item) : undefined;
  }

  async getMany(pseudonyms: readonly string[], consistent = true): Promise<Map<string, Assignment>> {
    const items = await batchGet<Assignment>(this.doc, this.tableName, 'pseudonym', pseudonyms, consistent);
    return new Map(items.map((a) => [a.pseudonym, assignmentFromItem(a)]));
  }

  /**
   * Commits a batch of decisions in three steps, each only as atomic as it must be (DynamoDB bills
   * every item of a transaction twice):
   * 1. the audit records first (write-ahead), linked into the container's chain in transactions
   *    with its head: no decision is ever stored without its record, and a record already stored
   *    (a retry) is not written again;
   * 2. each assignment alone, on the condition that its revision did not move;
   * 3. the counters of the decisions this call stored, merged per counter item, in transactions.
   * A refused assignment is told apart by what is stored: the same decision (revision and input
   * digest) stored by this call (a retry after a lost answer: counted here) or by another attempt
   * (a duplicate delivery: counted there) is committed; another decision means this one never took
   * effect, and a `segment.discarded` record naming its record says so. When step 2 fails part
   * way, what it settled is counted and recorded before the error goes on. A crash between steps
   * leaves a record whose job is decided again on redelivery (the same record when its inputs did
   * not move), or counts short by one batch, which the aggregates rebuild repairs.
   */
  async commitMany(
    decisions: readonly { assignment: Assignment; audit: AuditEvent; previous?: Assignment }[],
  ): Promise<('committed' | 'conflict')[]> {
    const auditTable = this.audit?.tableName;
    const aggregates = this.aggregates;
    if (!auditTable || !aggregates)
      throw new Error('This function has no audit or aggregates table: it may not write assignments');
    await transactUnits(
      this.doc,
      decisions.map(({ audit }) => [auditPut(auditTable, audit)]),
      this.audit,
    );
    // Tells this call's own writes from another attempt's when a condition refuses one.
    const commitToken = randomUUID();
    const finish = async (outcomes: readonly (UnitOutcome | undefined)[]) => {
      const fates = decisions.map(({ assignment }, i) => fateOf(outcomes[i], assignment, commitToken));
      // One unit per decision, so the counts of a large batch are packed into as many
      // transactions as their UpdateExpressions need. The previous decision is the one the
      // revision condition names, so the counts move exactly.
      const counters = decisions
        .filter((_, i) => fates[i] === 'stored')
        .map(({ assignment, previous }) => aggregates.adds(assignmentDelta(previous, assignment)))
        .filter((adds) => adds.length > 0);
      if (counters.length > 0) await transactUnits(this.doc, counters);
      const discarded = decisions.filter((_, i) => fates[i] === 'refused');
      if (discarded.length > 0)
        await transactUnits(
          this.doc,
          discarded.map(({ audit }) => [auditPut(auditTable, discardedDecision(audit))]),
          this.audit,
        );
      return fates;
    };
    let outcomes: UnitOutcome[];
    try {
      outcomes = await transactUnits(
        this.doc,
        decisions.map(({ assignment }) => [
          {
            TableName: this.tableName,
            Item: { ...assignmentItem(assignment), commitToken },
            ...(assignment.revision === 1
              ? { ConditionExpression: 'attribute_not_exists(pseudonym)' }
              : {
                  ConditionExpression: 'revision = :previous',
                  ExpressionAttributeValues: { ':previous': assignment.revision - 1 },
                }),
          },
        ]),
      );
    } catch (error) {
      const settled = outcomesBeforeFailure(error);
      if (settled) await finish(settled).catch(() => undefined);
      throw error;
    }
    const fates = await finish(outcomes);
    return fates.map((f) => (f === 'refused' ? 'conflict' : 'committed'));
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
  scanAll(shard?: { segment: number; of: number }): AsyncIterable<Assignment[]> {
    return this.scanner.scanAll(shard);
  }
}

/**
 * What became of an assignment put: stored by this call; the same decision already stored by
 * another attempt (committed, counted there); refused for another decision; or not known (the
 * call failed before it settled).
 */
function fateOf(
  outcome: UnitOutcome | undefined,
  assignment: Assignment,
  commitToken: string,
): 'stored' | 'twin' | 'refused' | 'unknown' {
  if (!outcome) return 'unknown';
  if (outcome.written) return 'stored';
  const existing = outcome.existing[0] as (Partial<Assignment> & { commitToken?: string }) | undefined;
  if (existing?.revision !== assignment.revision || existing.inputDigest !== assignment.inputDigest)
    return 'refused';
  return existing.commitToken === commitToken ? 'stored' : 'twin';
}
