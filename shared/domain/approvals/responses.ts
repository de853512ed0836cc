/** The answers of the four-eyes routes, as the API reference documents them (docs/openapi.json). */
import { z } from 'zod';
import { actorRefSchema } from '../actors.js';
import { approvalActions } from './policy.js';

export const approvalSchema = z
  .object({
    approvalId: z.string().regex(/^apr_[A-Za-z0-9_-]{22}$/),
    action: z.enum(approvalActions as [string, ...string[]]),
    target: z
      .record(z.union([z.string(), z.number()]))
      .describe('Model id and version, a pseudonym, or a provider.'),
    payload: z.record(z.unknown()).describe('What the action needs beyond its target: codes, sealed notes.'),
    contentHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe("SHA-256 of the target's content when asked for."),
    status: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'stale', 'expired', 'failed']),
    requestedBy: actorRefSchema,
    requestedAt: z.string(),
    requestId: z.string(),
    expiresAt: z.string(),
    decidedBy: actorRefSchema.optional(),
    decidedAt: z.string().optional(),
    reasonCode: z.string().optional(),
    effected: z.boolean().optional().describe('Approved and carried out (false: the approver may retry).'),
    failure: z.string().optional().describe('The error code an approved action ended with.'),
    links: z.object({ self: z.string(), decide: z.string() }).strict(),
  })
  .strict();

export const deferredSchema = z
  .object({ status: z.literal('pending-approval'), approval: approvalSchema })
  .strict()
  .describe('The action waits for a second person: decide at approval.links.decide.');

export const decisionSchema = z
  .object({
    approval: approvalSchema,
    result: z.unknown().optional().describe("Approved: the action's own answer (as without four-eyes)."),
  })
  .strict();

export const approvalListSchema = z
  .object({ approvals: z.array(approvalSchema), nextCursor: z.string().optional() })
  .strict();
