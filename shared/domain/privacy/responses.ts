/**
 * Response schemas of the data-subject routes. The export is the subject's own data (it is the
 * point of the route); its nested records stay open objects so a new category never breaks clients.
 */
import { z } from 'zod';
import { decryptionPurposes } from './personal-data-access.js';

const isoDateTime = z.string().datetime({ offset: true });
const count = z.number().int().min(0);

const legalHold = z.union([
  z
    .object({ reason: z.literal('relationship active'), until: z.null(), retentionYears: z.number().int() })
    .strict(),
  z
    .object({ reason: z.literal('AML record keeping'), until: z.string(), retentionYears: z.number().int() })
    .strict(),
]);

export const erasureOutcomeSchema = z.union([
  z
    .object({
      status: z.literal('erased'),
      removed: z
        .object({
          subjectKey: count,
          profile: count,
          transactions: count,
          assignment: count,
          override: count,
          feedback: count,
          outcomes: count,
          erasureRequest: count,
          cases: count,
          kycReview: count,
          directoryEntry: count,
        })
        .strict(),
    })
    .strict(),
  z.object({ status: z.literal('deferred'), hold: legalHold }).strict(),
]);

const record = z.object({}).passthrough();

export const subjectExportSchema = z
  .object({
    format: z.literal('riskloop-subject-export/1'),
    generatedAt: isoDateTime,
    subject: z.object({ pseudonym: z.string() }).strict(),
    profile: record.nullable(),
    processing: z.array(
      z.object({ purpose: z.string(), description: z.string(), lawfulBasis: record }).strict(),
    ),
    segment: record.nullable(),
    segmentHistory: z.array(record),
    override: record.nullable(),
    transactions: z.array(record),
    feedback: z.array(record),
    outcomes: z.array(
      z
        .object({ outcome: z.string(), date: z.string(), source: z.string(), note: z.string().nullable() })
        .strict(),
    ),
    kycReview: record.nullable(),
    cases: z.array(record),
    erasureRequests: z.array(record),
  })
  .strict();

export const personalDataAnswerSchema = z
  .object({
    pseudonym: z.string(),
    segment: z.string().nullable(),
    purpose: z.enum(decryptionPurposes),
    personalData: z.record(z.unknown()).nullable(),
    staffNotes: z
      .object({
        pin: z
          .object({ reasonCode: z.string(), pinnedAt: z.string(), note: z.string().nullable() })
          .strict()
          .nullable(),
        outcomes: z.array(
          z.object({ date: z.string(), outcome: z.string(), source: z.string(), note: z.string() }).strict(),
        ),
      })
      .strict()
      .describe('What staff wrote about the customer (a pin note, audit outcome notes): personal data too.'),
  })
  .strict();
