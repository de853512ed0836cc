import { z } from 'zod';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import { auditActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import { openJson, type SealedBox } from '../crypto/envelope.js';
import { isPseudonym } from '../crypto/pseudonymiser.js';
import { personalDataContext } from '../ingestion/customers.js';
import type {
  Actor,
  AssignmentStore,
  AuditLog,
  AuditOutcome,
  KeyService,
  OutcomeStore,
  Override,
  OverrideStore,
  ProfileStore,
} from '../ports.js';
import type { ModelSegment, SegmentPolicy } from '../risk-model/model.js';
import {
  outcomeNoteContext,
  outcomeSources,
  pinNoteContext,
  STAFF_TEXT_SCHEMA_VERSION,
  UNCODED_REASON,
} from '../staff-notes.js';
import { toErrorDetails } from '../validation.js';
import { policyOfSegment } from './legal-hold.js';

/** Why someone may need a customer's personal data in clear. Every decryption names one. */
export const decryptionPurposes = [
  'kyc_review',
  'enhanced_due_diligence',
  'investigation',
  'subject_access_request',
] as const;
export type DecryptionPurpose = (typeof decryptionPurposes)[number];

export interface PersonalDataAccessDeps {
  keys: Pick<KeyService, 'subjectKeys'>;
  assignments: Pick<AssignmentStore, 'get'>;
  /** Segments of the published risk model: their policies say who may decrypt. */
  segments: () => Promise<readonly ModelSegment[]>;
  audit: AuditLog;
}

/**
 * One sealed box of a subject: what the caller calls it, and the AAD it was sealed under. `clear`
 * is a value stored in clear before it was sealed (a schema-version-1 pin reason): released under
 * the same policy and audit as a box.
 */
export type SealedField =
  | { field: string; box: SealedBox | undefined; context: string }
  | { field: string; clear: string };

const holdsValue = (f: SealedField) => ('clear' in f ? true : f.box !== undefined);

export interface DecryptionRequest {
  pseudonym: string;
  purpose: DecryptionPurpose;
  /** A principal (with its role) or the system; the audit record names it. */
  actor: Actor;
  requestId: string;
  now: Date;
}

type Decision = { allowed: true; basis: string } | { allowed: false; basis: string };

/**
 * Who may decrypt, given the purpose and the policy of the subject's segment in force.
 * - A subject access request is the privacy officer's legal obligation (GDPR Art. 15 and 20): the
 *   answer must be complete whatever the segment, so that officer may always decrypt for it, and
 *   only that officer may claim this purpose.
 * - Every other purpose needs a role listed in the segment policy's `personalDataRoles` (e.g. a
 *   critical customer only by compliance officers).
 * - The system (a scheduled job, never a person) has no role to check; it still names a purpose
 *   and is audited like anyone.
 */
export function mayDecrypt(actor: Actor, purpose: DecryptionPurpose, policy: SegmentPolicy): Decision {
  if (actor.type === 'system') return { allowed: true, basis: 'system' };
  const role = actor.role ?? '';
  if (purpose === 'subject_access_request')
    return role === 'privacy'
      ? { allowed: true, basis: 'legal-obligation' }
      : { allowed: false, basis: 'privacy-officer-only' };
  return (policy.personalDataRoles as readonly string[]).includes(role)
    ? { allowed: true, basis: 'segment-policy' }
    : { allowed: false, basis: 'segment-policy' };
}

/**
 * The one way to open a subject's personal data. Checks the caller against the segment policy,
 * audits a refusal (`personal-data.refused`, then 403) or the decryption (`personal-data.decrypted`:
 * actor, purpose, segment and the names of the fields opened, never their values), and only after
 * the audit record is written hands the clear values back. A field whose box or key is missing
 * (e.g. after erasure) comes back as null.
 */
export async function decryptPersonalData(
  request: DecryptionRequest,
  fields: readonly SealedField[],
  deps: PersonalDataAccessDeps,
): Promise<{ segment: string | null; values: Map<string, unknown> }> {
  const [assignment, segments] = await Promise.all([
    deps.assignments.get(request.pseudonym),
    deps.segments(),
  ]);
  const segment = assignment?.segment ?? null;
  const policy = policyOfSegment(segments, segment ?? undefined);
  const decision = mayDecrypt(request.actor, request.purpose, policy);
  const sealed = fields.filter(holdsValue);
  const common = {
    subject: request.pseudonym,
    actor: request.actor,
    requestId: request.requestId,
    at: request.now,
  };
  if (!decision.allowed) {
    await deps.audit.append([
      auditEvent({
        ...common,
        eventId: `personal-data.refused#${request.requestId}`,
        action: 'personal-data.refused',
        reasonCodes: [
          decision.basis === 'segment-policy' ? 'ROLE_NOT_IN_SEGMENT_POLICY' : 'PURPOSE_NOT_PERMITTED',
        ],
        details: {
          purpose: request.purpose,
          segment,
          allowedRoles: decision.basis === 'segment-policy' ? policy.personalDataRoles : ['privacy'],
          fields: [...new Set(sealed.map((f) => fieldName(f.field)))],
        },
      }),
    ]);
    throw new AppError(403, 'FORBIDDEN', 'Your role may not decrypt this customer’s personal data', [
      decision.basis === 'segment-policy'
        ? {
            code: 'SEGMENT_POLICY',
            message: `The customer's segment policy allows: ${policy.personalDataRoles.join(', ')}`,
          }
        : {
            path: 'purpose',
            code: 'PURPOSE_NOT_PERMITTED',
            message: 'Only the privacy officer answers access requests',
          },
    ]);
  }

  const key = sealed.some((f) => !('clear' in f))
    ? (await deps.keys.subjectKeys([request.pseudonym], false)).get(request.pseudonym)
    : undefined;
  const values = new Map<string, unknown>();
  const names = new Set<string>();
  let opened = 0;
  for (const f of fields) {
    const value = 'clear' in f ? f.clear : f.box && key ? openJson<unknown>(key, f.box, f.context) : null;
    values.set(f.field, value);
    if (value === null) continue;
    opened++;
    for (const name of fieldNames(f.field, value)) names.add(name);
  }
  await deps.audit.append([
    auditEvent({
      ...common,
      eventId: `personal-data.decrypted#${request.requestId}`,
      action: 'personal-data.decrypted',
      reasonCodes: [decision.basis === 'legal-obligation' ? 'LEGAL_OBLIGATION' : 'SEGMENT_POLICY'],
      details: {
        purpose: request.purpose,
        segment,
        basis: decision.basis,
        fields: [...names].sort(),
        opened,
      },
    }),
  ]);
  return { segment, values };
}

/** `feedback[3].comment` → `feedback.comment`: which kind of field, not which item. */
const fieldName = (field: string) => field.replace(/\[\d+\]/g, '');

/** `personalData.name`, `personalData.email`…: which attributes were seen, never what they hold. */
function fieldNames(field: string, value: unknown): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value))
    return Object.keys(value).map((k) => `${fieldName(field)}.${k}`);
  return [fieldName(field)];
}

/** The body of POST /v1/customers/personal-data: the pseudonym travels in the body, never in the URL. */
export const personalDataRequest = z
  .object({
    pseudonym: z.string().refine(isPseudonym, 'a customer pseudonym'),
    purpose: z.enum(decryptionPurposes),
  })
  .strict();

export interface PersonalDataDeps extends PersonalDataAccessDeps {
  profiles: Pick<ProfileStore, 'getMany'>;
  overrides: Pick<OverrideStore, 'getMany'>;
  outcomes: Pick<OutcomeStore, 'ofSubject'>;
}

/** The boxes of what staff wrote about a subject: the pin's note and each audit outcome's note. */
export function staffNoteFields(
  pseudonym: string,
  pin: Override | undefined,
  outcomes: readonly AuditOutcome[],
): SealedField[] {
  const pinField: SealedField[] = !pin
    ? []
    : pin.legacyReason !== undefined
      ? [{ field: 'pin.note', clear: pin.legacyReason }]
      : [{ field: 'pin.note', box: pin.note, context: pinNoteContext(pseudonym, pin.pinnedAt) }];
  return [
    ...pinField,
    ...outcomes.map((o, i): SealedField => {
      const field = `outcomes[${i}].note`;
      const legacy = legacySourceText(o);
      return legacy !== undefined
        ? { field, clear: legacy }
        : { field, box: o.note, context: outcomeNoteContext(pseudonym, o.outcomeId) };
    }),
  ];
}

/** Version 1 took any text as an outcome's `source`: that text is released like a note. */
function legacySourceText(o: AuditOutcome): string | undefined {
  const coded = (outcomeSources as readonly string[]).includes(o.source) || o.source.startsWith('case:');
  return (o.schemaVersion ?? 1) < STAFF_TEXT_SCHEMA_VERSION && !coded ? o.source : undefined;
}

/** The clear notes, by the field names of `staffNoteFields`. */
export function staffNotesOf(
  pin: Override | undefined,
  outcomes: readonly AuditOutcome[],
  values: ReadonlyMap<string, unknown>,
) {
  const text = (field: string) => {
    const v = values.get(field);
    return typeof v === 'string' ? v : null;
  };
  return {
    pin: pin ? { reasonCode: pin.reasonCode, pinnedAt: pin.pinnedAt, note: text('pin.note') } : null,
    outcomes: outcomes.flatMap((o, i) => {
      const note = text(`outcomes[${i}].note`);
      const source = legacySourceText(o) === undefined ? o.source : UNCODED_REASON;
      return note === null ? [] : [{ date: o.date, outcome: o.outcome, source, note }];
    }),
  };
}

/**
 * POST /v1/customers/personal-data: one customer's personal data in clear, for a stated purpose,
 * if the segment policy lets the caller's role see it. 404 for an unknown pseudonym (before any
 * decision: there is nothing to decrypt, and nothing is audited).
 */
export async function readPersonalData(
  input: unknown,
  deps: PersonalDataDeps,
  caller: { principalId: string; role: string; requestId: string; now: Date },
) {
  const parsed = personalDataRequest.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      'Body must be { "pseudonym": "...", "purpose": "..." }',
      toErrorDetails(parsed.error.issues),
    );
  const { pseudonym, purpose } = parsed.data;
  const [profiles, pins, outcomes] = await Promise.all([
    deps.profiles.getMany([pseudonym]),
    deps.overrides.getMany([pseudonym]),
    deps.outcomes.ofSubject(pseudonym),
  ]);
  const profile = profiles.get(pseudonym);
  if (!profile) throw new NotFoundError('No such customer');
  const pin = pins.get(pseudonym);
  const { segment, values } = await decryptPersonalData(
    {
      pseudonym,
      purpose,
      actor: auditActor(caller),
      requestId: caller.requestId,
      now: caller.now,
    },
    [
      { field: 'personalData', box: profile.personalData, context: personalDataContext(pseudonym) },
      ...staffNoteFields(pseudonym, pin, outcomes),
    ],
    deps,
  );
  return {
    pseudonym,
    segment,
    purpose,
    personalData: values.get('personalData') ?? null,
    staffNotes: staffNotesOf(pin, outcomes, values),
  };
}
