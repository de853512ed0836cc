import { z } from 'zod';
import fx from '../data/fx/eur-reference-rates.json' with { type: 'json' };
import { emailProblem, maxEmailBytes } from './email.js';

/**
 * External input schemas. Objects are strict: an unknown field is rejected (not silently
 * stripped), because a misspelt `lawfulBasis` or `personalData` key must not become data we
 * keep without knowing it. Messages never echo values (see validation.ts).
 */

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** ISO 3166 user-assigned and reserved codes that ICU still names (Eurozone, UN, pseudo-regions…). */
const notCountries = /^(AA|EU|EZ|UN|Q[M-Z]|X[A-JL-Z]|ZZ)$/; // XK (Kosovo) is user-assigned but in real use
const isCountry = (c: string) =>
  /^[A-Z]{2}$/.test(c) && !notCountries.test(c) && regionNames.of(c) !== undefined;
/** ISO 3166-1 alpha-2 (upper case), checked against ICU's region list. */
export const countryCode = z
  .string()
  .refine(isCountry, 'Unknown or malformed ISO 3166-1 alpha-2 country code');

export const supportedCurrencies = Object.keys(fx.rates);
export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'ISO 4217, upper case')
  .refine((c) => c in fx.rates, 'Currency not in the configured reference-rate table');

const isoDateTime = z.string().datetime({ offset: true });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const shortText = (max: number) => z.string().trim().min(1).max(max);

export const purposes = ['risk_assessment', 'feedback', 'marketing', 'product_analytics'] as const;
export const lawfulBases = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interests',
] as const;

export const lawfulBasisRecord = z
  .object({
    basis: z.enum(lawfulBases),
    recordedAt: isoDateTime,
    source: shortText(100),
    version: shortText(40),
    expiresAt: isoDateTime.optional(),
    withdrawnAt: isoDateTime.optional(),
  })
  .strict();

/**
 * RFC 5321/6531 mailbox: internationalised local parts and domains welcome (email.ts). The issues are
 * zod's own (invalid_string/email, too_big), so clients see the same error details as before.
 */
const emailAddress = z
  .string()
  .max(maxEmailBytes)
  .superRefine((value, ctx) => {
    // Already reported by max() when over 254 characters; bytes count for non-ASCII addresses.
    if (value.length > maxEmailBytes) return;
    const problem = emailProblem(value);
    if (problem === 'too_long')
      ctx.addIssue({ code: z.ZodIssueCode.too_big, type: 'string', maximum: maxEmailBytes, inclusive: true });
    else if (problem === 'malformed')
      ctx.addIssue({ code: z.ZodIssueCode.invalid_string, validation: 'email' });
  })
  .describe('E-mail address; internationalised (RFC 6531) welcome; at most 254 bytes in UTF-8.');

export const personalData = z
  .object({
    name: shortText(200).optional(),
    email: emailAddress.optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'E.164')
      .optional(),
    dateOfBirth: isoDate.optional(),
    address: z
      .object({
        line1: shortText(200),
        line2: shortText(200).optional(),
        city: shortText(100),
        postalCode: shortText(20).optional(),
        country: countryCode,
      })
      .strict()
      .optional(),
  })
  .strict();

const attributeName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'identifier: letters, digits, _');

export const customerRecord = z
  .object({
    externalId: shortText(128),
    type: z.enum(['individual', 'corporate']),
    personalData: personalData.optional(),
    jurisdictions: z.array(countryCode).min(1).max(10),
    attributes: z
      .record(attributeName, z.union([z.number().finite(), shortText(200), z.boolean()]))
      .refine((a) => Object.keys(a).length <= 50, 'At most 50 attributes')
      .optional(),
    flags: z
      .object({
        pep: z.boolean().optional(),
        sanctionsHit: z.boolean().optional(),
        adverseMedia: z.boolean().optional(),
        priorIncidents: z.number().int().min(0).max(10_000).optional(),
      })
      .strict()
      .optional(),
    // Absent reads as "no purpose recorded", so the lawful-basis check rejects the record with its own
    // code (LAWFUL_BASIS_MISSING, audited) instead of a generic VALIDATION_FAILED: the same answer as
    // `{}` or a map without `risk_assessment`.
    lawfulBasis: z
      .record(z.enum(purposes), lawfulBasisRecord)
      .default({})
      .describe('Lawful basis per purpose; risk_assessment is required (LAWFUL_BASIS_MISSING otherwise).'),
    /** When the business relationship ended; AML record keeping (and so erasure) runs from here. */
    relationshipEndedAt: isoDateTime.optional(),
  })
  .strict();
export type CustomerRecord = z.infer<typeof customerRecord>;

export const paymentMethods = [
  'card',
  'wire',
  'instant',
  'direct_debit',
  'cash',
  'cheque',
  'crypto',
  'wallet',
] as const;

export const transactionRecord = z
  .object({
    transactionId: shortText(128),
    customerExternalId: shortText(128),
    amount: z.number().positive().max(1e12),
    currency: currencyCode,
    timestamp: isoDateTime,
    direction: z.enum(['inbound', 'outbound']),
    counterpartyCountry: countryCode.optional(),
    paymentMethod: z.enum(paymentMethods),
  })
  .strict();
export type TransactionRecord = z.infer<typeof transactionRecord>;

/** Batch envelopes: items are validated one by one so one bad record never blocks the others. */
export const customerBatch = z.object({ records: z.array(z.unknown()).min(1).max(100) }).strict();
export const transactionBatch = z.object({ transactions: z.array(z.unknown()).min(1).max(500) }).strict();

export const fxTable = { asOf: fx.asOf, rates: fx.rates as Record<string, number> };
