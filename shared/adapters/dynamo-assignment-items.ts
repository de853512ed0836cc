import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Assignment } from '../domain/ports.js';
import { assignmentOf } from '../domain/segmentation/pin-shapes.js';
import { parallelScan } from './dynamo-batch.js';
import { segmentShardOf } from './index-shards.js';

/**
 * The assignment item's shape, and the scan the simulation reads it with: apart from the store's
 * commit path (chain, counters, transactions), so the functions that only read decisions do not
 * carry it.
 */

/** The stored item of a decision: the assignment and its key in the bySegmentShard index (index-shards.ts). */
export const assignmentItem = (assignment: Assignment): Record<string, unknown> => ({
  ...assignment,
  segmentShard: segmentShardOf(assignment.segment, assignment.pseudonym),
});

/** The decision of a stored item: the index key and the commit token are storage, not the decision. */
export const assignmentFromItem = (item: Record<string, unknown> | Assignment): Assignment => {
  const {
    segmentShard: _key,
    commitToken: _token,
    ...decision
  } = item as Assignment & { segmentShard?: string; commitToken?: string };
  return assignmentOf(decision);
};

/** Every assignment, or only those of one parallel-scan segment (a re-segmentation shard). */
export class DynamoAssignmentScanner {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *scanAll(shard?: { segment: number; of: number }): AsyncIterable<Assignment[]> {
    for await (const page of parallelScan<Assignment>(this.doc, this.tableName, shard ? { shard } : {}))
      yield page.map(assignmentFromItem);
  }
}
