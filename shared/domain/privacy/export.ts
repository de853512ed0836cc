import { auditActor, type RequestActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import { isSealedBox } from '../crypto/envelope.js';
import { feedbackCommentContext } from '../feedback/receive.js';
import { personalDataContext } from '../ingestion/customers.js';
import type { AuditEvent, KeyService, ProfileStore } from '../ports.js';
import { pinNoteContext } from '../staff-notes.js';
import { type ErasureDeps, locateSubject } from './erasure.js';
import {
  decryptPersonalData,
  type PersonalDataAccessDeps,
  type SealedField,
  staffNoteFields,
} from './personal-data-access.js';
import type { ErasureRequestStore, SubjectRecords } from './ports.js';

export interface ExportDeps extends Omit<PersonalDataAccessDeps, 'keys'> {
  keys: Pick<KeyService, 'pseudonymiser' | 'subjectKeys'>;
  subjects: ErasureDeps['subjects'];
  profiles: Pick<ProfileStore, 'getMany'>;
  records: SubjectRecords;
  requests: Pick<ErasureRequestStore, 'get'>;
}

/** What each purpose a lawful basis may be recorded for means here (GDPR Art. 15(1)(a)). */
const purposeDescriptions: Record<string, string> = {
  risk_assessment: 'Anti-money-laundering customer risk assessment: risk segment, score and its reasons',
  feedback: 'Survey answers linked to the customer, reported per risk segment and used as a risk input',
  marketing: 'Marketing (recorded basis only; riskloop does not process for it)',
  product_analytics: 'Product analytics (recorded basis only; riskloop does not process for it)',
};

const exportPurpose = 'subject-access-request';

/**
 * POST /v1/subjects/export (GDPR Art. 15 and 20): everything held about the subject, decrypted,
 * as JSON. The decryption goes through the personal-data gatekeeper like any other, with the
 * purpose `subject_access_request` (audited as `personal-data.decrypted`); the privacy officer may
 * always decrypt for it, whatever the segment policy, because answering is a legal obligation.
 * A second record (`subject.exported`) names the categories released, never their content.
 */
/**
 * The officer's note a pin record keeps: sealed (version 2), or the free-text reason of version 1.
 * Every pin's note stays on record this way after the pin itself is replaced or lifted.
 */
function pinNoteOnRecord(pseudonym: string, e: AuditEvent, field: string): SealedField[] {
  if (e.action !== 'segment.pinned') return [];
  const { sealedNote, reason } = e.details;
  if (typeof reason === 'string') return [{ field, clear: reason }];
  return isSealedBox(sealedNote)
    ? [{ field, box: sealedNote, context: pinNoteContext(pseudonym, e.at) }]
    : [];
}

export async function exportSubject(input: unknown, deps: ExportDeps, actor: RequestActor) {
  const { pseudonym } = await locateSubject(input, deps);
  const [profiles, assignment, transactions, feedback, outcomes, trail, override, pending, cases, kycReview] =
    await Promise.all([
      deps.profiles.getMany([pseudonym]),
      deps.assignments.get(pseudonym),
      deps.records.transactions(pseudonym),
      deps.records.feedback(pseudonym),
      deps.records.outcomes(pseudonym),
      deps.records.auditTrail(pseudonym),
      deps.records.override(pseudonym),
      deps.requests.get(pseudonym),
      deps.records.cases(pseudonym),
      deps.records.kycReview(pseudonym),
    ]);
  const profile = profiles.get(pseudonym);
  const history = trail
    .filter((e) => e.action.startsWith('segment.'))
    .sort((a, b) => a.at.localeCompare(b.at));
  const { values } = await decryptPersonalData(
    {
      pseudonym,
      purpose: 'subject_access_request',
      actor: auditActor(actor),
      requestId: actor.requestId,
      now: actor.now,
    },
    [
      { field: 'personalData', box: profile?.personalData, context: personalDataContext(pseudonym) },
      ...feedback.map((f, i) => ({
        field: `feedback[${i}].comment`,
        box: f.comment,
        context: feedbackCommentContext(pseudonym, f.responseKey),
      })),
      ...staffNoteFields(pseudonym, override, outcomes),
      ...history.flatMap((e, i) => pinNoteOnRecord(pseudonym, e, `segmentHistory[${i}].note`)),
    ],
    deps,
  );
  const open = <T>(field: string): T | null => (values.get(field) as T | undefined) ?? null;

  const document = {
    format: 'riskloop-subject-export/1',
    generatedAt: actor.now.toISOString(),
    subject: { pseudonym },
    profile: profile
      ? {
          customerType: profile.customerType,
          jurisdictions: profile.jurisdictions,
          attributes: profile.attributes,
          flags: profile.flags,
          relationshipEndedAt: profile.relationshipEndedAt ?? null,
          personalData: open<Record<string, unknown>>('personalData'),
          createdAt: profile.createdAt,
          updatedAt: profile.updatedAt,
        }
      : null,
    processing: Object.entries(profile?.lawfulBasis ?? {}).map(([purpose, basis]) => ({
      purpose,
      description: purposeDescriptions[purpose] ?? purpose,
      lawfulBasis: basis,
    })),
    segment: assignment
      ? {
          segment: assignment.segment,
          modelSegment: assignment.modelSegment,
          score: assignment.score,
          reasonCodes: assignment.reasonCodes,
          firedRules: assignment.firedRules,
          model: `${assignment.modelId}@${assignment.modelVersion}`,
          assignedAt: assignment.assignedAt,
          ...(assignment.pinned ? { pinned: assignment.pinned } : {}),
          ...(assignment.prediction ? { prediction: assignment.prediction } : {}),
        }
      : null,
    segmentHistory: history.map((e, i) => ({
      at: e.at,
      action: e.action,
      reasonCodes: e.reasonCodes,
      ...(e.modelVersion ? { modelVersion: e.modelVersion } : {}),
      ...(e.details.before !== undefined ? { before: e.details.before } : {}),
      ...(e.details.after !== undefined ? { after: e.details.after } : {}),
      ...(values.has(`segmentHistory[${i}].note`) ? { note: open<string>(`segmentHistory[${i}].note`) } : {}),
    })),
    override: override
      ? {
          segment: override.segment,
          reasonCode: override.reasonCode,
          note: open<string>('pin.note'),
          expiresAt: override.expiresAt,
          pinnedBy: override.pinnedBy,
          pinnedAt: override.pinnedAt,
        }
      : null,
    transactions: transactions.map((t) => ({
      timestamp: t.timestamp,
      amount: t.amount,
      currency: t.currency,
      amountEur: t.amountEur,
      direction: t.direction,
      paymentMethod: t.paymentMethod,
      ...(t.counterpartyCountry ? { counterpartyCountry: t.counterpartyCountry } : {}),
    })),
    feedback: feedback.map((f, i) => ({
      submittedAt: f.submittedAt,
      provider: f.provider,
      surveyId: f.surveyId,
      ...(f.nps !== undefined ? { nps: f.nps } : {}),
      themes: f.themes,
      comment: open<string>(`feedback[${i}].comment`),
      ...(f.answers ? { answers: f.answers } : {}),
      segmentAtTheTime: f.segment,
    })),
    outcomes: outcomes.map((o, i) => ({
      outcome: o.outcome,
      date: o.date,
      source: o.source,
      note: open<string>(`outcomes[${i}].note`),
    })),
    kycReview: kycReview ? { lastReviewAt: kycReview.lastReviewAt, basis: kycReview.basis } : null,
    cases: cases.map((c) => ({
      kind: c.kind,
      status: c.status,
      reasonCode: c.reasonCode,
      openedAt: c.openedAt,
      dueAt: c.dueAt,
      ...(c.closedAt ? { closedAt: c.closedAt } : {}),
      ...(c.outcome ? { outcome: { result: c.outcome.result, reasonCode: c.outcome.reasonCode } } : {}),
    })),
    erasureRequests: pending
      ? [{ requestedAt: pending.requestedAt, hold: pending.hold, status: 'deferred' }]
      : [],
  };

  await deps.audit.append([
    auditEvent({
      eventId: `subject.exported#${actor.requestId}`,
      subject: pseudonym,
      actor: auditActor(actor),
      action: 'subject.exported',
      reasonCodes: ['SUBJECT_ACCESS_REQUEST'],
      requestId: actor.requestId,
      at: actor.now,
      details: {
        purpose: exportPurpose,
        decrypted: {
          personalData: document.profile?.personalData ? 1 : 0,
          feedbackComments: document.feedback.filter((f) => f.comment !== null).length,
          staffNotes:
            document.outcomes.filter((o) => o.note !== null).length +
            document.segmentHistory.filter((e) => typeof e.note === 'string').length +
            (document.override?.note ? 1 : 0),
        },
        released: {
          transactions: transactions.length,
          feedback: feedback.length,
          outcomes: outcomes.length,
          cases: cases.length,
          segmentHistory: document.segmentHistory.length,
        },
      },
    }),
  ]);
  return document;
}
