/**
 * The schemas of re-segmentation runs (zod): shard jobs as they arrive on the shard queue, and a
 * run's filter and id as operators send them. Apart from runs.ts, which the adapters import for a
 * constant or two and which must not bring zod into every bundle that composes an adapter.
 */
import { z } from 'zod';
import { maxShards } from './runs.js';

/** Shard jobs as they arrive on the shard queue (validated: a queue body is input like any other). */
export const shardJobSchema = z
  .object({
    runId: z.string().min(1).max(200),
    cause: z.enum(['profile', 'transactions', 'schedule', 'manual', 'model', 'feedback']),
    segment: z.number().int().min(0),
    of: z.number().int().min(1).max(maxShards),
    assignedBefore: z.string().datetime().optional(),
    due: z
      .object({
        model: z.string().min(1).max(300),
        scoringModel: z.string().min(1).max(300).nullable(),
        asOf: z.string().datetime(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((j) => j.segment < j.of, { message: 'segment must be below of' });

/** A run's filter as operators send it (HTTP, the scheduler's event): see ResegmentationRun. */
export const runFilter = z
  .object({
    olderThanDays: z.number().int().min(0).max(3650).optional(),
    scope: z
      .enum(['all', 'due'])
      .optional()
      .describe(
        'all: everyone; due: only customers without a decision, decided by another model version, or whose inputs changed with time. Default: due on the schedule and on publication, all by hand.',
      ),
  })
  .strict();

/** A run started by hand over HTTP: everyone, or only decisions older than N days. */
export const resegmentationRequest = runFilter;

/** Run ids as they appear in URLs: run-<letters, digits, - or _>. */
export const runIdSchema = z.string().regex(/^run-[A-Za-z0-9_-]{1,100}$/);
