import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SegmentPageKey } from '../domain/insights/cursor.js';
import type { PopulationMember } from '../domain/insights/kpis.js';
import type { InsightsReader } from '../domain/insights/store.js';
import { queryAll } from './dynamo-batch.js';
import { shardKeys } from './index-shards.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

  /**
   * A page of a segment, newest first across the 16 shards of the bySegmentShard index: each shard
   * is queried for up to `limit` customers after the cursor (newest first; ties on `assignedAt`
   * by pseudonym, descending), and the merge keeps the first `limit`. The cursor is the last
   * customer returned, so it stays three small fields whatever the shard count. Reads at most
   * 16 × `limit` small index items per page, whatever the segment's size.
   */
  async segmentPage(
    segment: string,
    limit: number,
    after: SegmentPageKey | undefined,
  ): Promise<{ items: PopulationMember[]; next: SegmentPageKey | undefined }> {
    const perShard = await Promise.all(shardKeys(segment).map((key) => this.shardPage(key, limit, after)));
    const merged = perShard
      .flatMap((p) => p.items)
      .sort((a, b) =>
        a.assignedAt === b.assignedAt ? cmp(b.pseudonym, a.pseudonym) : cmp(b.assignedAt, a.assignedAt),
      );
    const items = merged.slice(0, limit);
    const more = merged.length > limit || perShard.some((p) => p.more);
    const last = items[items.length - 1];
    return {
      items,
      next: more && last ? { pseudonym: last.pseudonym, segment, assignedAt: last.assignedAt } : undefined,
    };
  }

  /**
   * At least the first `limit` customers of one shard after `after` in the listing's order, and
   * whether the shard may hold more. DynamoDB orders equal sort keys (the same `assignedAt`) as it
   * likes, so the tie group at the page boundary is read whole: the merge then orders it by
   * pseudonym, and no customer of a tie is skipped or shown twice across pages.
   */
  private async shardPage(
    key: string,
    limit: number,
    after: SegmentPageKey | undefined,
  ): Promise<{ items: PopulationMember[]; more: boolean }> {
    // Same timestamp as the cursor: only those after it in the pseudonym order (a filter
    // expression may not name an index key, so this one is applied here; ties are few).
    const isAfter = (m: PopulationMember) =>
      !after || m.assignedAt < after.assignedAt || m.pseudonym < after.pseudonym;
    const query = async (
      condition: string,
      at: string | undefined,
      max?: number,
      start?: Record<string, unknown>,
    ) => {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.assignments,
          IndexName: 'bySegmentShard',
          KeyConditionExpression: condition,
          ExpressionAttributeNames: { ...memberProjection.names, '#k': 'segmentShard' },
          ExpressionAttributeValues: { ':k': key, ...(at === undefined ? {} : { ':at': at }) },
          ProjectionExpression: memberProjection.projection,
          ScanIndexForward: false,
          ...(max === undefined ? {} : { Limit: max }),
          ExclusiveStartKey: start,
        }),
      );
      return { items: (out.Items ?? []).map(toMember).filter(isAfter), next: out.LastEvaluatedKey };
    };
    const items: PopulationMember[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await query(
        after ? '#k = :k AND #at <= :at' : '#k = :k',
        after?.assignedAt,
        limit - items.length,
        start,
      );
      items.push(...out.items);
      start = out.next;
    } while (start && items.length < limit);
    const boundary = items[items.length - 1]?.assignedAt;
    if (start && boundary !== undefined) {
      const seen = new Set(items.map((m) => m.pseudonym));
      let tieStart: Record<string, unknown> | undefined;
      do {
        const out = await query('#k = :k AND #at = :at', boundary, undefined, tieStart);
        items.push(...out.items.filter((m) => !seen.has(m.pseudonym)));
        tieStart = out.next;
      } while (tieStart);
    }
    return { items, more: start !== undefined };
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
