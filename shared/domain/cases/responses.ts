/** Response schemas of the case routes: pseudonyms, codes and dates only (cases hold no free text). */
import { z } from 'zod';
import { caseKinds, caseStatuses } from './case.js';

const isoDateTime = z.string().datetime({ offset: true });

export const caseSchema = z
  .object({
    caseId: z.string().regex(/^case_[A-Za-z0-9_-]{22}$/),
    kind: z.enum(caseKinds),
    subject: z.string().describe('The customer pseudonym.'),
    segment: z.string().nullable(),
    status: z.enum(caseStatuses),
    reasonCode: z.string(),
    dueAt: z.string().nullable(),
    openedAt: isoDateTime,
    openedBy: z.string(),
    updatedAt: isoDateTime,
    assignee: z.string().optional(),
    closedAt: isoDateTime.optional(),
    outcome: z
      .object({
        result: z.enum(['no_issue', 'issue_found']),
        reasonCode: z.string(),
        auditOutcomeRecorded: z.boolean(),
      })
      .strict()
      .optional(),
    triggerEventId: z.string().optional(),
    eventPublished: z.boolean().optional(),
    revision: z.number().int().min(0),
  })
  .strict();

export const caseListSchema = z
  .object({
    status: z.enum(caseStatuses),
    kind: z.enum(caseKinds).optional(),
    count: z.number().int().min(0).describe('Cases on this page.'),
    cases: z.array(caseSchema),
    nextCursor: z.string().nullable().describe('Pass back as `cursor` for the next page; null on the last.'),
  })
  .strict();
