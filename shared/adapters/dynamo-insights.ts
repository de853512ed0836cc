import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SegmentPageKey } from '../domain/insights/cursor.js';
import type { PopulationMember } from '../domain/insights/kpis.js';
import type { InsightsReader } from '../domain/insights/store.js';
import { queryAll } from './dynamo-batch.js';
import { INDEX_SHARDS, shardKeys } from './index-shards.js';

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
   * A page of a segment, newest first across the 16 shards of the bySegmentShard index (ties on
   * `assignedAt` by pseudonym, descending), merged lazily: every shard is read a few items at a
   * time, and an item is returned only once no shard can still hold a newer one (each shard not
   * yet exhausted has been read past its timestamp). A page reads about `limit` + 16 × a few small
   * index items, whatever the segment's size. The cursor is the last customer returned.
   */
  async segmentPage(
    segment: string,
    limit: number,
    after: SegmentPageKey | undefined,
  ): Promise<{ items: PopulationMember[]; next: SegmentPageKey | undefined }> {
    const batch = Math.max(4, 2 * Math.ceil(limit / INDEX_SHARDS));
    // Same timestamp as the cursor: only those after it in the pseudonym order (a filter
    // expression may not name an index key, so this one is applied here; ties are few).
    const isAfter = (m: PopulationMember) =>
      !after || m.assignedAt < after.assignedAt || m.pseudonym < after.pseudonym;
    const shards = shardKeys(segment).map((key) => ({
      key,
      items: [] as PopulationMember[],
      start: undefined as Record<string, unknown> | undefined,
      done: false,
    }));
    const read = async (shard: (typeof shards)[number]) => {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.assignments,
          IndexName: 'bySegmentShard',
          KeyConditionExpression: after ? '#k = :k AND #at <= :at' : '#k = :k',
          ExpressionAttributeNames: { ...memberProjection.names, '#k': 'segmentShard' },
          ExpressionAttributeValues: { ':k': shard.key, ...(after ? { ':at': after.assignedAt } : {}) },
          ProjectionExpression: memberProjection.projection,
          ScanIndexForward: false,
          Limit: batch,
          ExclusiveStartKey: shard.start,
        }),
      );
      shard.items.push(...(out.Items ?? []).map(toMember).filter(isAfter));
      shard.start = out.LastEvaluatedKey;
      shard.done = out.LastEvaluatedKey === undefined;
    };
    // The newest timestamp down to which a shard not exhausted has been read: only items strictly
    // newer are certain to be in order (an unread tie of that timestamp may still come).
    const frontier = (shard: (typeof shards)[number]) =>
      shard.done ? '' : (shard.items[shard.items.length - 1]?.assignedAt ?? '\uffff');
    let pending = shards;
    for (;;) {
      await Promise.all(pending.map(read));
      // ISO timestamps compare as strings; '' (every shard exhausted) is below them all.
      const bound = shards.map(frontier).sort().pop() ?? '';
      const merged = shards
        .flatMap((shard) => shard.items)
        .sort((a, b) =>
          a.assignedAt === b.assignedAt ? cmp(b.pseudonym, a.pseudonym) : cmp(b.assignedAt, a.assignedAt),
        );
      const certain = bound === '' ? merged : merged.filter((m) => m.assignedAt > bound);
      if (certain.length >= limit || bound === '') {
        const items = certain.slice(0, limit);
        const more = merged.length > items.length || shards.some((shard) => !shard.done);
        const last = items[items.length - 1];
        return {
          items,
          next:
            more && last ? { pseudonym: last.pseudonym, segment, assignedAt: last.assignedAt } : undefined,
        };
      }
      pending = shards.filter((shard) => frontier(shard) === bound);
    }
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
