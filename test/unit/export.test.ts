import { describe, expect, it } from 'vitest';
import {
  chunkExpiresAt,
  type ExportRow,
  exportExpired,
  exportPage,
  exportRowSchema,
  exportShard,
  mergeExport,
} from '../../shared/domain/jobs/export.js';
import type { Assignment } from '../../shared/domain/ports.js';

const decision = (i: number, segment: string, reasons = 1): Assignment =>
  ({
    pseudonym: `k1.${String(i).padStart(43, 'a')}`,
    segment,
    modelSegment: segment,
    score: i % 100,
    reasonCodes: Array.from({ length: reasons }, (_, r) => `REASON_${r}`),
    firedRules: [],
    missingVariables: [],
    modelId: 'aml-default',
    modelVersion: 2,
    policyRef: 'p',
    listsAsOf: {},
    inputDigest: 'd',
    inputs: { features: { email: 'never exported' } },
    assignedAt: '2026-12-01T00:00:00.000Z',
    ...(i % 7 === 0 ? { pinned: { segment, by: 'officer', reasonCode: 'R', at: 'x' } } : {}),
  }) as unknown as Assignment;

async function* pages(all: Assignment[], size: number): AsyncIterable<Assignment[]> {
  for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
}

/** Chunks kept in memory, keyed as the store keys them. */
function memoryChunks() {
  const chunks = new Map<string, ExportRow[]>();
  let reads = 0;
  return {
    chunks,
    reads: () => reads,
    write: (shard: number) => async (chunk: number, rows: ExportRow[]) => {
      chunks.set(`${shard}#${chunk}`, rows);
    },
    getChunk: async (_jobId: string, shard: number, chunk: number) => {
      reads++;
      return chunks.get(`${shard}#${chunk}`);
    },
  };
}

describe('segment register export', () => {
  it('writes every decision of a shard once, in chunks, with only the register fields', async () => {
    const store = memoryChunks();
    const population = Array.from({ length: 2_500 }, (_, i) => decision(i, i % 3 ? 'low' : 'high', 20));

    const part = await exportShard(pages(population, 333), {}, store.write(0));
    const again = await exportShard(pages(population, 333), {}, store.write(0));

    // A redelivered shard rewrites the same chunks: same keys, same rows.
    expect(again).toEqual(part);
    expect(part.rows).toBe(2_500);
    expect(part.chunks).toBeGreaterThan(1);
    expect(store.chunks.size).toBe(part.chunks);
    const rows = [...store.chunks.values()].flat();
    expect(rows.map((r) => r.pseudonym)).toEqual(population.map((a) => a.pseudonym));
    for (const row of rows) expect(exportRowSchema.safeParse(row).success).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('never exported');
    for (const chunk of store.chunks.values()) expect(JSON.stringify(chunk).length).toBeLessThan(210_000);
  });

  it('keeps only the asked segment', async () => {
    const store = memoryChunks();
    const population = Array.from({ length: 30 }, (_, i) => decision(i, i % 3 ? 'low' : 'high'));
    const part = await exportShard(pages(population, 7), { segment: 'high' }, store.write(0));
    expect(part).toEqual({ rows: 10, chunks: 1 });
    expect([...store.chunks.values()].flat().every((r) => r.segment === 'high')).toBe(true);
    expect(mergeExport({ segment: 'high' }, [part, { rows: 0, chunks: 0 }])).toEqual({
      segment: 'high',
      rows: 10,
      chunks: [1, 0],
    });
  });

  it('pages through every shard and chunk exactly once, whatever the page size, reading only what a page needs', async () => {
    // Prepare: 5 shards of uneven sizes, one empty, with rows wide enough to need several chunks.
    const store = memoryChunks();
    const sizes = [1_200, 0, 3, 2_100, 1];
    let next = 0;
    const parts = [];
    const expected: string[] = [];
    for (const [shard, size] of sizes.entries()) {
      const population = Array.from({ length: size }, () => decision(next++, 'low', 25));
      expected.push(...population.map((a) => a.pseudonym));
      parts.push(await exportShard(pages(population, 500), {}, store.write(shard)));
    }
    const { chunks } = mergeExport({}, parts);

    for (const limit of [1, 7, 500, 1000]) {
      // Act
      const seen: string[] = [];
      let cursor = { shard: 0, chunk: 0, row: 0 };
      let calls = 0;
      for (;;) {
        const before = store.reads();
        const page = await exportPage(store, 'job-1', chunks, cursor, limit);
        calls++;
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        // A page reads the chunks its rows are in (a chunk holds hundreds of rows, and a shard's
        // last chunk may be short), never the export.
        expect(store.reads() - before).toBeLessThanOrEqual(Math.ceil(limit / 100) + sizes.length);
        seen.push(...page.rows.map((r) => r.pseudonym));
        if (!page.next) break;
        cursor = page.next;
      }

      // Assess
      expect(seen).toEqual(expected);
      expect(calls).toBeGreaterThanOrEqual(Math.ceil(expected.length / limit));
    }
  });

  it('keeps the rows a week: chunks expire then, and the rows route calls the export expired', () => {
    const now = new Date('2026-12-07T12:00:00.000Z');
    expect(chunkExpiresAt(now)).toBe(Math.floor(now.getTime() / 1000) + 7 * 86_400);
    const created = (days: number) => ({
      createdAt: new Date(now.getTime() - days * 86_400_000).toISOString(),
    });
    expect(exportExpired(created(6.9), now)).toBe(false);
    expect(exportExpired(created(7.1), now)).toBe(true);
  });
});
