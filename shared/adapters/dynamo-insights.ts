import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type CaseStatus, type ComplianceCase, caseStatuses } from '../domain/cases/case.js';
import type { SegmentPageKey } from '../domain/insights/cursor.js';
import type { OutcomeLabel, PopulationMember } from '../domain/insights/kpis.js';
import type { InsightsReader } from '../domain/insights/store.js';
import { parallelScan, queryAll } from './dynamo-batch.js';

const memberProjection = {
  projection: '#p, #s, #score, #rc, #at',
  names: { '#p': 'pseudonym', '#s': 'segment', '#score': 'score', '#rc': 'reasonCodes', '#at': 'assignedAt' },
};

const toMember = (i: Record<string, unknown>): PopulationMember => ({
  pseudonym: String(i.pseudonym),
  segment: String(i.segment),
  score: Number(i.score ?? 0),
  reasonCodes: Array.isArray(i.reasonCodes) ? (i.reasonCodes as string[]) : [],
  assignedAt: String(i.assignedAt ?? ''),
});

/**
 * The insights API's reads. Cost: `population` and `outcomes` are full parallel scans and
 * `cases` reads the whole byStatus index. A scan pays for every item it reads, whatever the
 * projection: 0.5 RCU per 4 KB read (eventually consistent), so 100,000 assignments of about
 * 2 KB (their model inputs make them that large) cost about 25,000 RCU, roughly $0.006 on demand,
 * and take a few seconds. The service caches each result per container for 60 s, so a dashboard
 * refresh (five calls) costs one scan, not five. Beyond a few hundred thousand customers these
 * numbers should come from the daily snapshot aggregates instead (docs/insights.md).
 */
export class DynamoInsightsReader implements InsightsReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { assignments: string; outcomes: string; cases: string; audit: string },
  ) {}

  async population(): Promise<PopulationMember[]> {
    const all: PopulationMember[] = [];
    for await (const page of parallelScan<Record<string, unknown>>(
      this.doc,
      this.tables.assignments,
      memberProjection,
    )) {
      for (const item of page) all.push(toMember(item));
    }
    return all;
  }

  async outcomes(): Promise<OutcomeLabel[]> {
    const all: OutcomeLabel[] = [];
    for await (const page of parallelScan<OutcomeLabel>(this.doc, this.tables.outcomes, {
      projection: '#p, #o, #d',
      names: { '#p': 'pseudonym', '#o': 'outcome', '#d': 'date' },
    })) {
      all.push(...page);
    }
    return all;
  }

  async cases(): Promise<ComplianceCase[]> {
    const byStatus = await Promise.all(
      caseStatuses.map((status: CaseStatus) =>
        queryAll<ComplianceCase>(this.doc, {
          TableName: this.tables.cases,
          IndexName: 'byStatus',
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status },
        }),
      ),
    );
    return byStatus.flat();
  }

  async segmentPage(
    segment: string,
    limit: number,
    after: SegmentPageKey | undefined,
  ): Promise<{ items: PopulationMember[]; next: SegmentPageKey | undefined }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tables.assignments,
        IndexName: 'bySegment',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: memberProjection.names,
        ExpressionAttributeValues: { ':s': segment },
        ProjectionExpression: memberProjection.projection,
        // Most recently assigned first: the customers an analyst is most likely to look for.
        ScanIndexForward: false,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: { ...after } } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      items: (out.Items ?? []).map(toMember),
      next: last
        ? {
            pseudonym: String(last.pseudonym),
            segment: String(last.segment),
            assignedAt: String(last.assignedAt),
          }
        : undefined,
    };
  }

  subjectRecords(pseudonym: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, {
      TableName: this.tables.audit,
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'stream' },
      ExpressionAttributeValues: { ':s': pseudonym },
    });
  }
}
