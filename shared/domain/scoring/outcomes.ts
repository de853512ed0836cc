/**
 * Audit outcomes: what an audit found about a customer (an issue, or none), the labels predictive
 * models learn from. Identifiers become pseudonyms before anything is stored; notes are sealed
 * under the subject's key.
 */
import { z } from 'zod';
import type { RequestActor } from '../actors.js';
import { isPseudonym, type Pseudonymiser } from '../crypto/pseudonymiser.js';
import type { ItemResult } from '../ingestion/results.js';
import { safeInput } from '../input-safety.js';
import type { AssignmentStore, AuditOutcome, KeyService, OutcomeStore, Placement } from '../ports.js';
import type { ErasureLedger } from '../privacy/erasure-ledger.js';
import { resolveSubjects, type SubjectDirectory } from '../privacy/subject-directory.js';
import {
  outcomeNoteContext,
  outcomeSources,
  requireNoteForOther,
  STAFF_TEXT_SCHEMA_VERSION,
  sealNote,
  staffNote,
} from '../staff-notes.js';
import { toErrorDetails } from '../validation.js';

export const outcomeRecord = z
  .object({
    pseudonym: z.string().optional(),
    externalId: z.string().trim().min(1).max(128).optional(),
    outcome: z.enum(['issue', 'no_issue']),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Where the finding comes from, as a code; anything more goes in the note (sealed). */
    source: z.enum(outcomeSources),
    note: staffNote,
  })
  .strict()
  .superRefine((o, ctx) => requireNoteForOther(o, o.source, ctx))
  .refine(
    (o) => (o.pseudonym === undefined) !== (o.externalId === undefined),
    'Give exactly one of pseudonym, externalId',
  )
  .refine((o) => o.pseudonym === undefined || isPseudonym(o.pseudonym), 'Not a pseudonym');
export const outcomeBatch = z.object({ outcomes: z.array(z.unknown()).min(1).max(1000) }).strict();
/** An outcome's schema, after the checks every input gets (reserved keys, exact numbers, well-formed text). */
const safeOutcome = safeInput(outcomeRecord);

/** Records audit outcomes (the labels of predictive scoring); identifiers become pseudonyms first. */
export async function recordOutcomes(
  items: readonly unknown[],
  deps: {
    outcomes: Pick<OutcomeStore, 'putMany'>;
    pseudonymiser: Pseudonymiser;
    subjects: SubjectDirectory;
    /** Outcomes about erased customers (named by pseudonym) are refused with SUBJECT_ERASED. */
    erasures?: ErasureLedger;
    /** Subject keys seal the notes. */
    keys: Pick<KeyService, 'subjectKeys'>;
    /** Where each customer stands now: an outcome is counted in that segment and score. */
    placements: Pick<AssignmentStore, 'placements'>;
  },
  actor: RequestActor,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const valid: { index: number; outcome: AuditOutcome; note?: string }[] = [];
  const parsedItems = items.map((item) => safeOutcome.safeParse(item));
  // Resolve only: an outcome about an id never ingested (or erased) names no subject.
  const subjects = await resolveSubjects(
    [...new Set(parsedItems.flatMap((p) => (p.success && p.data.externalId ? [p.data.externalId] : [])))],
    deps.pseudonymiser,
    deps.subjects,
    { create: false, now: actor.now },
  );
  // An erased customer has no directory entry, so only outcomes naming a pseudonym need the ledger.
  const named = [
    ...new Set(parsedItems.flatMap((p) => (p.success && p.data.pseudonym ? [p.data.pseudonym] : []))),
  ];
  const ledger = deps.erasures;
  const erased = new Set(
    ledger ? (await Promise.all(named.map(async (p) => ((await ledger.isErased(p)) ? [p] : [])))).flat() : [],
  );
  parsedItems.forEach((parsed, index) => {
    if (parsed.success && parsed.data.pseudonym && erased.has(parsed.data.pseudonym)) {
      results.push({
        index,
        status: 'rejected',
        code: 'SUBJECT_ERASED',
        message: 'This customer was erased: nothing new may be recorded about them',
      });
      return;
    }
    if (!parsed.success) {
      results.push({
        index,
        status: 'rejected',
        code: 'VALIDATION_FAILED',
        message: 'Outcome failed validation',
        details: toErrorDetails(parsed.error.issues),
      });
      return;
    }
    const o = parsed.data;
    const pseudonym = o.pseudonym ?? subjects.get(o.externalId as string)?.pseudonym;
    if (!pseudonym) {
      results.push({
        index,
        status: 'rejected',
        code: 'UNKNOWN_CUSTOMER',
        message: 'No customer with this externalId',
      });
      return;
    }
    valid.push({
      index,
      outcome: {
        pseudonym,
        // The note counts too: two findings of one kind on one day, told apart by their notes, are two.
        outcomeId: deps.pseudonymiser.digest(
          'content',
          `${pseudonym}|${o.outcome}|${o.date}|${o.source}${o.note === undefined ? '' : `|${o.note}`}`,
        ),
        outcome: o.outcome,
        date: o.date,
        source: o.source,
        recordedBy: actor.principalId,
        recordedAt: actor.now.toISOString(),
        schemaVersion: STAFF_TEXT_SCHEMA_VERSION,
      },
      ...(o.note ? { note: o.note } : {}),
    });
  });
  const sealable = await sealOutcomeNotes(valid, deps.keys);
  for (const v of valid.filter((v) => !sealable.includes(v))) {
    results.push({
      index: v.index,
      status: 'rejected',
      code: 'NO_SUBJECT_KEY',
      message: 'This customer has no data key, so the note cannot be sealed: send the outcome without a note',
    });
  }
  const placements =
    sealable.length > 0
      ? await deps.placements.placements([...new Set(sealable.map((v) => v.outcome.pseudonym))])
      : new Map<string, Placement>();
  const placed = sealable.map((v) => {
    const placedIn = placements.get(v.outcome.pseudonym);
    return placedIn ? { ...v.outcome, placedIn } : v.outcome;
  });
  const stored = placed.length > 0 ? await deps.outcomes.putMany(placed) : [];
  sealable.forEach((v, i) => {
    results.push({
      index: v.index,
      status: stored[i] ? 'accepted' : 'duplicate',
      pseudonym: v.outcome.pseudonym,
    });
  });
  return results;
}

/**
 * Seals each note under its subject's key, in place, and returns the outcomes that can be stored. A
 * note whose subject has no key (a pseudonym never accepted) is refused rather than kept in clear.
 */
async function sealOutcomeNotes<T extends { outcome: AuditOutcome; note?: string }>(
  valid: T[],
  keys: Pick<KeyService, 'subjectKeys'>,
): Promise<T[]> {
  const noted = valid.filter((v) => v.note !== undefined);
  if (noted.length === 0) return valid;
  const subjectKeys = await keys.subjectKeys([...new Set(noted.map((v) => v.outcome.pseudonym))], false);
  return valid.filter((v) => {
    if (v.note === undefined) return true;
    const key = subjectKeys.get(v.outcome.pseudonym);
    if (!key) return false;
    const { pseudonym, outcomeId } = v.outcome;
    v.outcome.note = sealNote(key, v.note, outcomeNoteContext(pseudonym, outcomeId)).note;
    return true;
  });
}
