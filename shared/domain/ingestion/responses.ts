/**
 * Response schema of the batch routes (customers, transactions, audit outcomes): the 207 body the
 * API documents and the contract tests hold the handlers to. Pseudonyms, codes and field paths only.
 */
import { z } from 'zod';

const errorDetail = z.object({ path: z.string().optional(), code: z.string(), message: z.string() }).strict();

export const itemResultSchema = z.union([
  z
    .object({
      index: z.number().int().min(0),
      status: z.enum(['accepted', 'duplicate']),
      pseudonym: z.string(),
    })
    .strict(),
  z
    .object({
      index: z.number().int().min(0),
      status: z.literal('rejected'),
      pseudonym: z.string().optional(),
      code: z.string(),
      message: z.string(),
      details: z.array(errorDetail).optional(),
    })
    .strict(),
]);

export const batchOutcomeSchema = z
  .object({
    summary: z
      .object({
        received: z.number().int().min(0),
        accepted: z.number().int().min(0),
        duplicates: z.number().int().min(0),
        rejected: z.number().int().min(0),
      })
      .strict(),
    results: z.array(itemResultSchema).describe('One result per item, in input order.'),
  })
  .strict();
