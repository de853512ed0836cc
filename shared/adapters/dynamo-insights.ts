import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SegmentPageKey } from '../domain/insights/cursor.js';
import type { PopulationMember } from '../domain/insights/kpis.js';
import type { InsightsReader } from '../domain/insights/store.js';
import { queryAll } from './dynamo-batch.js';

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

/** The insights API's key-bounded reads: one page of one segment, one customer's audit stream. */
export class DynamoInsightsReader implements InsightsReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { assignments: string; audit: string },
  ) {}

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
