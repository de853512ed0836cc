import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  CaseEffects,
  CaseKind,
  CasePageKey,
  CaseStatus,
  CaseStore,
  ComplianceCase,
  KycReviewLog,
} from '../domain/cases/case.js';
import { caseDelta, outcomeDelta } from '../domain/insights/aggregates.js';
import type { AuditEvent } from '../domain/ports.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import type { DynamoAggregates } from './dynamo-aggregates.js';
import { auditPut } from './dynamo-audit-log.js';
import { batchGet, queryAll } from './dynamo-batch.js';
import { transactUnits, type UnitItem } from './dynamo-transact.js';

/** Cases and their audit records (and the effects of closing one) are written in one transaction. */
export class DynamoCaseStore implements CaseStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { cases: string; outcomes?: string; kycReviews?: string },
    private readonly audit: AuditChainWriter | undefined,
    private readonly aggregates?: DynamoAggregates,
  ) {}

  async get(caseId: string): Promise<ComplianceCase | undefined> {
    const [found] = await batchGet<ComplianceCase>(this.doc, this.tables.cases, 'caseId', [caseId], true);
    return found;
  }

  async list(filter: {
    status: CaseStatus;
    kind?: CaseKind;
    limit: number;
    after?: CasePageKey;
  }): Promise<{ cases: ComplianceCase[]; next: CasePageKey | undefined }> {
    const cases: ComplianceCase[] = [];
    let start: Record<string, unknown> | undefined = filter.after ? { ...filter.after } : undefined;
    // A kind filter is applied after DynamoDB's Limit: read on until the page is full or the index ends.
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.cases,
          IndexName: 'byStatus',
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'status', ...(filter.kind ? { '#k': 'kind' } : {}) },
          ExpressionAttributeValues: { ':s': filter.status, ...(filter.kind ? { ':k': filter.kind } : {}) },
          ...(filter.kind ? { FilterExpression: '#k = :k' } : {}),
          Limit: filter.limit - cases.length,
          ExclusiveStartKey: start,
        }),
      );
      cases.push(...((out.Items ?? []) as ComplianceCase[]));
      start = out.LastEvaluatedKey;
    } while (start && cases.length < filter.limit);
    const last = cases[cases.length - 1];
    return {
      cases,
      next: start && last ? { caseId: last.caseId, status: last.status, openedAt: last.openedAt } : undefined,
    };
  }

  async pendingOutbox(limit: number): Promise<ComplianceCase[]> {
    const keys = await queryAll<{ caseId: string }>(this.doc, {
      TableName: this.tables.cases,
      IndexName: 'byOutbox',
      KeyConditionExpression: '#o = :pending',
      ExpressionAttributeNames: { '#o': 'outbox' },
      ExpressionAttributeValues: { ':pending': 'pending' },
      ProjectionExpression: 'caseId',
      Limit: limit,
    });
    // The index is eventually consistent: read the cases themselves before publishing anything.
    const cases = await batchGet<ComplianceCase>(
      this.doc,
      this.tables.cases,
      'caseId',
      keys.slice(0, limit).map((k) => k.caseId),
      true,
    );
    return cases.filter((c) => c.outbox === 'pending');
  }

  async create(c: ComplianceCase, audit: AuditEvent): Promise<boolean> {
    return this.write([
      { TableName: this.tables.cases, Item: { ...c }, ConditionExpression: 'attribute_not_exists(caseId)' },
      auditPut(this.chain().tableName, audit),
      ...this.counted().adds(caseDelta(undefined, c)),
    ]);
  }

  async update(
    previous: ComplianceCase,
    c: ComplianceCase,
    audit: AuditEvent | undefined,
    effects: CaseEffects = {},
  ): Promise<boolean> {
    if (c.revision !== previous.revision + 1) throw new Error('A case update must follow the case as read');
    const puts: UnitItem[] = [
      {
        TableName: this.tables.cases,
        Item: { ...c },
        ConditionExpression: 'revision = :previous',
        ExpressionAttributeValues: { ':previous': c.revision - 1 },
      },
    ];
    if (audit) puts.push(auditPut(this.chain().tableName, audit));
    if (effects.outcome) {
      puts.push({ TableName: this.need('outcomes'), Item: { ...effects.outcome } });
      puts.push(...this.counted().adds(outcomeDelta(effects.outcome)));
    }
    puts.push(...this.counted().adds(caseDelta(previous, c)));
    if (effects.review) {
      puts.push({
        TableName: this.need('kycReviews'),
        Item: {
          pseudonym: effects.review.pseudonym,
          lastReviewAt: effects.review.at,
          basis: 'review',
          caseId: effects.review.caseId,
        },
      });
    }
    return this.write(puts);
  }

  private async write(puts: UnitItem[]): Promise<boolean> {
    const [outcome] = await transactUnits(this.doc, [puts], this.audit);
    return outcome?.written ?? false;
  }

  private counted(): DynamoAggregates {
    if (!this.aggregates) throw new Error('This function has no aggregates table: it may not change cases');
    return this.aggregates;
  }

  private chain(): AuditChainWriter {
    if (!this.audit) throw new Error('This function has no audit table: it may not change cases');
    return this.audit;
  }

  private need(table: 'outcomes' | 'kycReviews'): string {
    const name = this.tables[table];
    if (!name) throw new Error(`This function has no ${table} table`);
    return name;
  }
}

/** When each customer's last KYC review happened (or their first review cycle started). */
export class DynamoKycReviewLog implements KycReviewLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getMany(pseudonyms: readonly string[]): Promise<Map<string, { lastReviewAt: string }>> {
    const items = await batchGet<{ pseudonym: string; lastReviewAt: string }>(
      this.doc,
      this.tableName,
      'pseudonym',
      pseudonyms,
    );
    return new Map(items.map((i) => [i.pseudonym, { lastReviewAt: i.lastReviewAt }]));
  }

  async record(pseudonym: string, at: string, basis: 'review' | 'baseline', caseId: string | null) {
    await transactUnits(this.doc, [
      [
        {
          TableName: this.tableName,
          Item: { pseudonym, lastReviewAt: at, basis, caseId },
          // A baseline never overwrites a real review; a review replaces an older one.
          ConditionExpression: 'attribute_not_exists(pseudonym) OR lastReviewAt < :at',
          ExpressionAttributeValues: { ':at': at },
        },
      ],
    ]);
  }
}
