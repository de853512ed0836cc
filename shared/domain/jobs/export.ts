/**
 * The segment register export: every customer's decision in force (pseudonym, segment, score, reason
 * codes, model version, when), for an auditor or a data team, as a job. It is fanned out over the
 * scan shards of the assignments table like a simulation; each shard writes its rows in chunks kept
 * with the job, and the result says how many chunks each shard wrote, so `GET /v1/jobs/{jobId}/rows`
 * reads a page by key (a chunk or two), never the population. No personal data: pseudonyms only, as
 * in the segment rows themselves.
 */
import { z } from 'zod';
import type { Assignment } from '../ports.js';

/** `POST /v1/exports/segments`: everyone, or one segment. */
export const exportRequest = z
  .object({
    segment: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe('Only the customers in this segment (in force, pins included). Default: everyone.'),
  })
  .strict();

export const exportRowSchema = z
  .object({
    pseudonym: z.string(),
    segment: z.string().describe('In force (a pin or a cooldown may hold it).'),
    modelSegment: z.string().describe("The model's own segment."),
    score: z.number(),
    reasonCodes: z.array(z.string()),
    pinned: z.boolean(),
    modelId: z.string(),
    modelVersion: z.number().int(),
    prediction: z
      .object({ model: z.string(), score: z.number(), probability: z.number() })
      .strict()
      .nullable()
      .describe('The predictive score the decision used (`modelId@version`), or null.'),
    assignedAt: z.string(),
  })
  .strict();
export type ExportRow = z.infer<typeof exportRowSchema>;

export const exportRow = (a: Assignment): ExportRow => ({
  pseudonym: a.pseudonym,
  segment: a.segment,
  modelSegment: a.modelSegment,
  score: a.score,
  reasonCodes: a.reasonCodes,
  pinned: a.pinned !== undefined,
  modelId: a.modelId,
  modelVersion: a.modelVersion,
  prediction: a.prediction
    ? { model: a.prediction.model, score: a.prediction.score, probability: a.prediction.probability }
    : null,
  assignedAt: a.assignedAt,
});

/**
 * Days an export's rows are kept (DynamoDB TTL on the chunks): long enough to download them, short
 * enough that a customer erased meanwhile leaves the exports within a week.
 */
export const exportRowsDays = 7;

/** When the chunks written now expire (epoch seconds). */
export const chunkExpiresAt = (now: Date) => Math.floor(now.getTime() / 1000) + exportRowsDays * 86_400;

/** Whether an ended export's rows may have expired (its first chunks were written before it ended). */
export const exportExpired = (job: { createdAt: string }, now: Date) =>
  now.getTime() - Date.parse(job.createdAt) > exportRowsDays * 86_400_000;

/** A chunk stays far below DynamoDB's 400 KB item limit, whatever its rows' reason codes. */
const chunkBytes = 200_000;

/** Where an export's rows are kept, chunk by chunk, beside the job (same retention). */
export interface ExportChunks {
  putChunk(jobId: string, shard: number, chunk: number, rows: ExportRow[], expiresAt: number): Promise<void>;
  getChunk(jobId: string, shard: number, chunk: number): Promise<ExportRow[] | undefined>;
}

/** One shard's part: how many rows and chunks it wrote. */
export interface ExportPart {
  rows: number;
  chunks: number;
}

/**
 * Writes one shard's rows in chunks. A redelivered shard writes the same chunks again (same keys,
 * same rows in scan order), so a retry never duplicates a row.
 */
export async function exportShard(
  assignments: AsyncIterable<Assignment[]>,
  filter: { segment?: string },
  write: (chunk: number, rows: ExportRow[]) => Promise<void>,
): Promise<ExportPart> {
  let rows = 0;
  let chunks = 0;
  let pending: ExportRow[] = [];
  let bytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    await write(chunks++, pending);
    pending = [];
    bytes = 0;
  };
  for await (const page of assignments) {
    for (const a of page) {
      if (filter.segment !== undefined && a.segment !== filter.segment) continue;
      const row = exportRow(a);
      const size = JSON.stringify(row).length;
      if (bytes + size > chunkBytes) await flush();
      pending.push(row);
      bytes += size;
      rows++;
    }
  }
  await flush();
  return { rows, chunks };
}

/** The job's result: the total, and the chunks of each shard, which the pages are read by. */
export function mergeExport(filter: { segment?: string }, parts: ExportPart[]) {
  return {
    ...(filter.segment === undefined ? {} : { segment: filter.segment }),
    rows: parts.reduce((n, p) => n + p.rows, 0),
    chunks: parts.map((p) => p.chunks),
  };
}

/** Where a page of rows starts: shard, chunk within it, row within the chunk. */
export const exportCursor = z
  .object({
    shard: z.number().int().min(0),
    chunk: z.number().int().min(0),
    row: z.number().int().min(0),
  })
  .strict();
export type ExportCursor = z.infer<typeof exportCursor>;

export const exportPageSchema = z
  .object({ rows: z.array(exportRowSchema), nextCursor: z.string().optional() })
  .strict();

export const exportPageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(500),
    cursor: z.string().max(512).optional().describe('The nextCursor of the previous page, unchanged.'),
  })
  .strict();

/**
 * A page of an ended export: at most `limit` rows from `from`, read chunk by chunk (each chunk
 * read once: about limit ÷ 1,000 + 1 reads), and where the next page starts.
 */
export async function exportPage(
  chunks: Pick<ExportChunks, 'getChunk'>,
  jobId: string,
  perShard: readonly number[],
  from: ExportCursor,
  limit: number,
): Promise<{ rows: ExportRow[]; next?: ExportCursor }> {
  const rows: ExportRow[] = [];
  let { shard, chunk, row } = from;
  while (shard < perShard.length) {
    if (chunk >= (perShard[shard] ?? 0)) {
      shard++;
      chunk = 0;
      row = 0;
      continue;
    }
    if (rows.length >= limit) return { rows, next: { shard, chunk, row } };
    const stored = (await chunks.getChunk(jobId, shard, chunk)) ?? [];
    const taken = stored.slice(row, row + (limit - rows.length));
    rows.push(...taken);
    row += taken.length;
    if (row >= stored.length) {
      chunk++;
      row = 0;
    }
  }
  return { rows };
}
