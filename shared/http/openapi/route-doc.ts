/**
 * The shape of an API route's documentation (see registry.ts), and the parameter schemas and
 * responses that many routes share.
 */
import { z } from 'zod';

export type Tag =
  | 'Ingestion'
  | 'Segments'
  | 'Risk models'
  | 'Overrides'
  | 'Scoring'
  | 'Jobs'
  | 'Feedback'
  | 'Cases'
  | 'Audit'
  | 'Approvals'
  | 'Privacy'
  | 'Insights'
  | 'Dashboard'
  | 'Reference';

export interface ResponseDoc {
  description: string;
  /** Omitted for error statuses: they all answer the shared error schema. */
  schema?: z.ZodTypeAny;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface RouteDoc {
  tag: Tag;
  summary: string;
  description?: string;
  /** Path parameters default to a string; name a schema here to say more. */
  params?: Record<string, z.ZodTypeAny>;
  query?: z.AnyZodObject;
  headers?: z.AnyZodObject;
  body?: z.ZodTypeAny;
  /** Success statuses with their bodies, and the route's own error statuses with a description. */
  responses: Record<number, ResponseDoc>;
}

export const pseudonym = z
  .string()
  .regex(/^k\d+\.[A-Za-z0-9_-]{43}$/)
  .describe('A customer pseudonym: <keyVersion>.<43 base64url characters>.');
export const modelVersionParams = {
  modelId: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
  version: z.string().regex(/^[1-9]\d*$/),
};
export const caseId = z.string().regex(/^case_[A-Za-z0-9_-]{22}$/);
export const period = z
  .string()
  .regex(/^\d{4}-\d{2}$/)
  .describe('YYYY-MM; the current month by default.');
export const idempotencyKey = z
  .object({
    'Idempotency-Key': z
      .string()
      .regex(/^[\x21-\x7e]{1,255}$/)
      .optional()
      .describe(
        'The first answer comes back verbatim for 24 hours; the same key with another body is a 422.',
      ),
  })
  .strict();
/** Routes that act on the path alone: `{}` or no body, enforced by the handlers with the same schema. */
export { emptyBody } from '../empty-body.js';

export const months = z
  .object({
    months: z
      .string()
      .regex(/^\d{1,2}$/)
      .optional()
      .describe('How many months back, 1-36; 12 by default.'),
  })
  .strict();

export const notFound = (what: string): ResponseDoc => ({ description: `No such ${what}` });
export const invalid: ResponseDoc = { description: 'Invalid input: details name each field' };
export const conflict = (why: string): ResponseDoc => ({ description: why });
/** 410: the customer was erased; nothing new may be recorded about them. */
export const erased: ResponseDoc = { description: 'SUBJECT_ERASED: the customer was erased' };
