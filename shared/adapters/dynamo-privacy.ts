import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ComplianceCase } from '../domain/cases/case.js';
import type { FeedbackItem } from '../domain/feedback/store.js';
import {
  assignmentDelta,
  type CounterDelta,
  caseDelta,
  outcomeDelta,
} from '../domain/insights/aggregates.js';
import type { Assignment, AuditEvent, AuditOutcome, Override, StoredTransaction } from '../domain/ports.js';
import type {
  ErasedCounts,
  ErasureRequest,
  ErasureRequestStore,
  SubjectEraser,
  SubjectRecords,
} from '../domain/privacy/ports.js';
import { overrideOf } from '../domain/segmentation/pin-shapes.js';
import type { DynamoAggregates } from './dynamo-aggregates.js';
import { chunk, parallelScan } from './dynamo-batch.js';
import { transactUnits } from './dynamo-transact.js';

export interface PrivacyTables {
  subjectIndex: string;
  subjectKeys: string;
  profiles: string;
  transactions: string;
  assignments: string;
  overrides: string;
  feedback: string;
  outcomes: string;
  erasureRequests: string;
  cases: string;
  kycReviews: string;
  /** Read only (export): the audit trail is never deleted from. */
  audit?: string;
}

type Key = Record<string, unknown>;

/**
 * Everything the privacy functions do in DynamoDB: read a subject's records across tables, delete
 * them (the only delete path for subject keys, profiles, transactions, feedback and the directory),
 * and keep deferred erasure requests. Deletes of many items go out as TransactWriteItems of up to 100
 * deletes (one IAM action, DeleteItem, and no BatchWriteItem grant needed); single items as one
 * DeleteItem each, in parallel, returning the old item so the answer can count what was removed.
 */
export class DynamoPrivacyStore implements SubjectEraser, SubjectRecords, ErasureRequestStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: PrivacyTables,
    private readonly aggregates?: DynamoAggregates,
  ) {}

  async shred(pseudonym: string): Promise<Omit<ErasedCounts, 'directoryEntry'>> {
    // The key first: from here on, any sealed box that survives a failure is unreadable.
    const subjectKey = await this.deleteOne(this.tables.subjectKeys, { pseudonym });
    const [
      profile,
      assignment,
      override,
      erasureRequest,
      transactions,
      feedback,
      outcomes,
      kycReview,
      cases,
    ] = await Promise.all([
      this.deleteOne(this.tables.profiles, { pseudonym }),
      this.deleteAssignment(pseudonym),
      this.deleteOne(this.tables.overrides, { pseudonym }),
      this.deleteOne(this.tables.erasureRequests, { pseudonym }),
      this.deleteAll(this.tables.transactions, pseudonym, 'txnRef'),
      this.deleteAll(this.tables.feedback, pseudonym, 'responseKey'),
      this.deleteOutcomes(pseudonym),
      this.deleteOne(this.tables.kycReviews, { pseudonym }),
      this.deleteCases(pseudonym),
    ]);
    return {
      subjectKey,
      profile,
      transactions,
      assignment,
      override,
      feedback,
      outcomes,
      erasureRequest,
      cases,
      kycReview,
    };
  }

  forget(lookup: string): Promise<number> {
    return this.deleteOne(this.tables.subjectIndex, { lookup });
  }

  transactions(pseudonym: string): Promise<StoredTransaction[]> {
    return this.queryAll<StoredTransaction>(this.tables.transactions, pseudonym);
  }

  feedback(pseudonym: string): Promise<FeedbackItem[]> {
    return this.queryAll<FeedbackItem>(this.tables.feedback, pseudonym);
  }

  outcomes(pseudonym: string): Promise<AuditOutcome[]> {
    return this.queryAll<AuditOutcome>(this.tables.outcomes, pseudonym);
  }

  auditTrail(pseudonym: string): Promise<AuditEvent[]> {
    if (!this.tables.audit) throw new Error('This function has no audit table to read');
    return this.queryAll<AuditEvent>(this.tables.audit, pseudonym, 'stream');
  }

  /** A subject's cases, through the cases table's bySubject index. */
  cases(pseudonym: string): Promise<ComplianceCase[]> {
    return this.queryAll<ComplianceCase>(this.tables.cases, pseudonym, 'subject', undefined, 'bySubject');
  }

  kycReview(pseudonym: string): Promise<{ lastReviewAt: string; basis: string } | undefined> {
    return this.getOne(this.tables.kycReviews, { pseudonym });
  }

  private async deleteCases(pseudonym: string): Promise<number> {
    const keys = await this.queryAll<Key>(this.tables.cases, pseudonym, 'subject', 'caseId', 'bySubject');
    const read = (key: Key) => this.getOne<ComplianceCase>(this.tables.cases, key);
    const cases = (await Promise.all(keys.map(read))).filter((c) => c !== undefined);
    return this.deleteCounted(this.tables.cases, cases, {
      key: (c) => ({ caseId: c.caseId }),
      revisioned: true,
      delta: (c) => caseDelta(c, undefined),
      reread: read,
    });
  }

  private async deleteAssignment(pseudonym: string): Promise<number> {
    const read = (key: Key) => this.getOne<Assignment>(this.tables.assignments, key);
    const current = await read({ pseudonym });
    return this.deleteCounted(this.tables.assignments, current ? [current] : [], {
      key: (a) => ({ pseudonym: a.pseudonym }),
      revisioned: true,
      delta: (a) => assignmentDelta(a, undefined),
      reread: read,
    });
  }

  private async deleteOutcomes(pseudonym: string): Promise<number> {
    const outcomes = await this.queryAll<AuditOutcome>(this.tables.outcomes, pseudonym);
    return this.deleteCounted(this.tables.outcomes, outcomes, {
      key: (o) => ({ pseudonym: o.pseudonym, outcomeId: o.outcomeId }),
      revisioned: false,
      delta: (o) => outcomeDelta(o, -1),
      reread: async () => undefined,
    });
  }

  /**
   * Deletes counted items with their counts taken out of the aggregates, in one transaction each,
   * on the condition that the item is still the one read (its revision, or that it exists): an
   * item that changed meanwhile is read again and deleted as it is now, one already gone was
   * taken out of the counts by whoever deleted it.
   */
  private async deleteCounted<T extends object>(
    tableName: string,
    items: readonly T[],
    how: {
      key: (item: T) => Key;
      revisioned: boolean;
      delta: (item: T) => CounterDelta;
      reread: (key: Key) => Promise<T | undefined>;
    },
  ): Promise<number> {
    const aggregates = this.aggregates;
    if (!aggregates) throw new Error('This function has no aggregates table: it may not erase');
    let pending = [...items];
    let deleted = 0;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= 5) throw new Error(`${tableName}: items kept changing while being erased`);
      const outcomes = await transactUnits(
        this.doc,
        pending.map((item) => [
          {
            TableName: tableName,
            Key: how.key(item),
            ...(how.revisioned
              ? {
                  ConditionExpression: 'revision = :r',
                  ExpressionAttributeValues: { ':r': (item as { revision?: number }).revision },
                }
              : {
                  ConditionExpression: 'attribute_exists(#k)',
                  ExpressionAttributeNames: { '#k': Object.keys(how.key(item))[0] as string },
                }),
          },
          ...aggregates.adds(how.delta(item)),
        ]),
      );
      const refused = pending.filter((_, i) => !outcomes[i]?.written);
      deleted += pending.length - refused.length;
      const again = await Promise.all(refused.map((item) => how.reread(how.key(item))));
      pending = again.filter((item) => item !== undefined);
    }
    return deleted;
  }

  async override(pseudonym: string): Promise<Override | undefined> {
    const raw = await this.getOne<Record<string, unknown>>(this.tables.overrides, { pseudonym });
    return raw ? overrideOf(raw) : undefined;
  }

  async put(request: ErasureRequest): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tables.erasureRequests, Item: request }));
  }

  get(pseudonym: string): Promise<ErasureRequest | undefined> {
    return this.getOne<ErasureRequest>(this.tables.erasureRequests, { pseudonym });
  }

  scanAll(): AsyncIterable<ErasureRequest[]> {
    return parallelScan<ErasureRequest>(this.doc, this.tables.erasureRequests, { segments: 2 });
  }

  private async getOne<T>(tableName: string, key: Key): Promise<T | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    return out.Item as T | undefined;
  }

  private async deleteOne(tableName: string, key: Key): Promise<number> {
    const out = await this.doc.send(
      new DeleteCommand({ TableName: tableName, Key: key, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes ? 1 : 0;
  }

  /** Deletes every item of a partition: one Query for the keys, then 100 deletes per transaction. */
  private async deleteAll(tableName: string, pseudonym: string, sortKey: string): Promise<number> {
    const keys = await this.queryAll<Key>(tableName, pseudonym, 'pseudonym', `pseudonym, ${sortKey}`);
    return this.deleteKeys(tableName, keys);
  }

  private async deleteKeys(tableName: string, keys: readonly Key[]): Promise<number> {
    for (const part of chunk(keys, 100)) {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: part.map((key) => ({ Delete: { TableName: tableName, Key: key } })),
        }),
      );
    }
    return keys.length;
  }

  private async queryAll<T>(
    tableName: string,
    pseudonym: string,
    partitionKey = 'pseudonym',
    projection?: string,
    indexName?: string,
  ): Promise<T[]> {
    const items: T[] = [];
    let startKey: Key | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :p',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExpressionAttributeValues: { ':p': pseudonym },
          // Index reads cannot be strongly consistent.
          ConsistentRead: indexName === undefined,
          ...(indexName ? { IndexName: indexName } : {}),
          ExclusiveStartKey: startKey,
          ...(projection ? { ProjectionExpression: projection } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as T[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
