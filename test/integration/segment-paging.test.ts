import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { createTable } from '../../infra/local/provision.js';
import { tables } from '../../infra/manifest-resources.js';
import { assignmentItem } from '../../shared/adapters/dynamo-assignment-store.js';
import { DynamoInsightsReader } from '../../shared/adapters/dynamo-insights.js';
import type { SegmentPageKey } from '../../shared/domain/insights/cursor.js';
import { storedDecision } from '../helpers/fixtures.js';
import { localDynamo, localDynamoClient, runId } from '../helpers/local.js';

/**
 * The segment listing merges 16 index shards newest first. Whatever the page size and however many
 * customers share a timestamp (DynamoDB orders equal sort keys as it likes), paging to the end
 * returns every customer of the segment exactly once, in (assignedAt, pseudonym) descending order.
 */
const table = `paging${runId()}-assignments`;
const doc = localDynamo();
const reader = new DynamoInsightsReader(doc, { assignments: table, audit: 'unused' });
const customers = 300;
const pseudonymOf = (i: number) => `k1.${String(i).padStart(43, 'P')}`;
// Three timestamps only: ties everywhere, within and across shards.
const assignedAtOf = (i: number) => `2026-11-0${1 + (i % 3)}T00:00:00.000Z`;

beforeAll(async () => {
  await createTable(localDynamoClient(), table, tables.assignments);
  for (let i = 0; i < customers; i++) {
    const a = storedDecision(
      pseudonymOf(i),
      { profile: {}, transactions: {}, counterparties90d: {} } as never,
      {
        segment: 'tied',
        assignedAt: assignedAtOf(i),
      },
    );
    await doc.send(new PutCommand({ TableName: table, Item: assignmentItem(a) }));
  }
});

it('pages every customer of a segment once, newest first, whatever the page size', async () => {
  const expected = Array.from({ length: customers }, (_, i) => i)
    .sort((a, b) =>
      assignedAtOf(a) === assignedAtOf(b)
        ? pseudonymOf(b).localeCompare(pseudonymOf(a))
        : assignedAtOf(b).localeCompare(assignedAtOf(a)),
    )
    .map(pseudonymOf);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 70 }), async (limit) => {
      const seen: string[] = [];
      let after: SegmentPageKey | undefined;
      for (let pages = 0; pages <= customers; pages++) {
        const page = await reader.segmentPage('tied', limit, after);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((m) => m.pseudonym));
        after = page.next;
        if (!after) break;
      }
      expect(seen).toEqual(expected);
    }),
    { numRuns: 8, examples: [[1], [7], [60], [61]] },
  );
}, 120_000);
