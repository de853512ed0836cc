import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../shared/domain/canonical.js';
import { openJson } from '../../shared/domain/crypto/envelope.js';
import { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import type { Assignment, AuditEvent, AuditOutcome, Override } from '../../shared/domain/ports.js';
import { staffNoteFields, staffNotesOf } from '../../shared/domain/privacy/personal-data-access.js';
import { recordOutcomes } from '../../shared/domain/scoring/service.js';
import { type OverrideDeps, pinSegment } from '../../shared/domain/segmentation/overrides.js';
import { assignmentOf, overrideOf } from '../../shared/domain/segmentation/pin-shapes.js';
import { outcomeNoteContext, pinNoteContext } from '../../shared/domain/staff-notes.js';
import { AppError } from '../../shared/errors.js';

const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: randomBytes(32) });
const subject = pseudonymiser.pseudonym('customer', 'C-1');
const note = 'Her brother Ivo Marsh called the branch about the wire';
const now = new Date('2026-12-07T10:00:00.000Z');
const actor = { principalId: 'officer-1', role: 'compliance', requestId: 'req-1', now };
const subjectKey = randomBytes(32);
const keys = (present = true) => ({
  subjectKeys: async (ps: readonly string[]) =>
    new Map(present ? ps.map((p) => [p, subjectKey] as const) : []),
});

function pinDeps(withKey = true) {
  const written: { override: Override; audit: AuditEvent }[] = [];
  const deps: OverrideDeps = {
    overrides: {
      put: async (override, audit) => {
        written.push({ override, audit });
      },
      remove: async () => true,
      getMany: async () => new Map(),
    },
    assignments: {
      get: async () => ({ segment: 'critical', modelSegment: 'critical' }) as Assignment,
    },
    queue: { enqueue: async () => undefined },
    segments: ['low', 'medium', 'high', 'critical'],
    keys: keys(withKey),
  };
  return { deps, written };
}

const expiresAt = '2027-01-07T10:00:00.000Z';

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('a pin: reason code plus sealed note', () => {
  it('seals the note under the subject key and keeps only the code and the box hash elsewhere', async () => {
    // Prepare
    const { deps, written } = pinDeps();

    // Act
    const answer = await pinSegment(
      subject,
      { segment: 'high', reasonCode: 'ADVERSE_MEDIA', note, expiresAt },
      deps,
      actor,
    );

    // Assess
    const [{ override, audit } = {} as never] = written;
    expect(JSON.stringify({ override, audit, answer })).not.toContain('Marsh');
    expect(override.note).toBeDefined();
    const box = override.note as NonNullable<Override['note']>;
    expect(openJson(subjectKey, box, pinNoteContext(subject, override.pinnedAt))).toBe(note);
    const boxHash = createHash('sha256').update(canonicalJson(box)).digest('hex');
    expect(override).toMatchObject({ reasonCode: 'ADVERSE_MEDIA', noteHash: boxHash, schemaVersion: 2 });
    expect(audit).toMatchObject({
      action: 'segment.pinned',
      reasonCodes: ['MANUAL_OVERRIDE', 'ADVERSE_MEDIA'],
      details: { segment: 'high', reasonCode: 'ADVERSE_MEDIA', noteHash: boxHash, sealedNote: box },
      schemaVersion: 2,
    });
    expect(answer).toEqual({
      pseudonym: subject,
      segment: 'high',
      reasonCode: 'ADVERSE_MEDIA',
      noteHash: boxHash,
      expiresAt,
      pinnedBy: 'officer-1',
      pinnedAt: now.toISOString(),
    });
  });

  it('takes a code alone; an empty note is no note', async () => {
    const { deps, written } = pinDeps(false);
    await pinSegment(
      subject,
      { segment: 'low', reasonCode: 'MODEL_ERROR', note: '  ', expiresAt },
      deps,
      actor,
    );
    expect(written[0]?.override).not.toHaveProperty('note');
    expect(written[0]?.audit.details).not.toHaveProperty('noteHash');
  });

  it.each([
    [{ segment: 'high', reason: note, expiresAt }, 'reason', 'REPLACED_FIELD'],
    [{ segment: 'high', reasonCode: 'OTHER', expiresAt }, 'note', 'custom'],
    [{ segment: 'high', reasonCode: 'because I said so', expiresAt }, 'reasonCode', 'invalid_enum_value'],
    [{ segment: 'high', reasonCode: 'OTHER', note: 'x'.repeat(1001), expiresAt }, 'note', 'too_big'],
  ])('refuses %j naming %s', async (body, path, code) => {
    const { deps, written } = pinDeps();
    const error = await refusal(pinSegment(subject, body, deps, actor));
    expect(error.status).toBe(400);
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, code })]));
    expect(JSON.stringify(error.details)).not.toContain('Marsh');
    expect(written).toEqual([]);
  });

  it('refuses a note it cannot seal (no subject key) rather than keep it in clear', async () => {
    const { deps, written } = pinDeps(false);
    const error = await refusal(
      pinSegment(subject, { segment: 'high', reasonCode: 'OTHER', note, expiresAt }, deps, actor),
    );
    expect([error.status, error.code]).toEqual([409, 'NO_SUBJECT_KEY']);
    expect(written).toEqual([]);
  });
});

describe('stored shapes of schema version 1', () => {
  const legacyPin = {
    pseudonym: subject,
    segment: 'high',
    reason: note,
    expiresAt,
    pinnedBy: 'officer-1',
    pinnedAt: now.toISOString(),
  };

  it('reads a version-1 pin as UNCODED, its text kept apart for the personal-data gatekeeper', () => {
    const pin = overrideOf(legacyPin);
    expect(pin).toEqual({
      pseudonym: subject,
      segment: 'high',
      reasonCode: 'UNCODED',
      legacyReason: note,
      expiresAt,
      pinnedBy: 'officer-1',
      pinnedAt: now.toISOString(),
      schemaVersion: 1,
    });
    expect(staffNoteFields(subject, pin, [])).toEqual([{ field: 'pin.note', clear: note }]);
  });

  it('never reads back the reason text a version-1 assignment copied', () => {
    const stored = {
      pseudonym: subject,
      segment: 'high',
      pinned: { segment: 'high', reason: note, expiresAt, pinnedBy: 'officer-1' },
    } as unknown as Assignment;
    expect(assignmentOf(stored).pinned).toEqual({
      segment: 'high',
      reasonCode: 'UNCODED',
      expiresAt,
      pinnedBy: 'officer-1',
    });
  });

  it('passes a version-2 pin through unchanged', () => {
    const current = { ...legacyPin, reason: undefined, reasonCode: 'PEP_CONFIRMED', schemaVersion: 2 };
    const { reason: _r, ...expected } = current;
    expect(overrideOf(current)).toEqual(expected);
  });
});

describe('audit outcomes: source code plus sealed note', () => {
  function outcomeDeps() {
    const stored: AuditOutcome[] = [];
    return {
      stored,
      deps: {
        outcomes: {
          putMany: async (o: readonly AuditOutcome[]) => {
            stored.push(...o);
            return o.map(() => true);
          },
        },
        pseudonymiser,
        subjects: { getMany: async () => new Map(), putIfAbsent: async () => undefined } as never,
        keys: keys(),
        placements: { placements: async () => new Map([[subject, { segment: 'high', score: 70 }]]) },
      },
    };
  }

  it('seals the note and stores the code; free text as source is refused', async () => {
    // Prepare
    const { deps, stored } = outcomeDeps();

    // Act
    const results = await recordOutcomes(
      [
        { pseudonym: subject, outcome: 'issue', date: '2026-11-30', source: 'TRANSACTION_MONITORING', note },
        { pseudonym: subject, outcome: 'issue', date: '2026-11-30', source: 'Ivo Marsh tipped us off' },
        { pseudonym: subject, outcome: 'no_issue', date: '2026-10-01', source: 'OTHER' },
      ],
      deps,
      actor,
    );

    // Assess
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [1, 'rejected'],
      [2, 'rejected'],
      [0, 'accepted'],
    ]);
    expect(JSON.stringify({ stored, results })).not.toContain('Marsh');
    const [outcome] = stored;
    expect(outcome?.placedIn).toEqual({ segment: 'high', score: 70 }); // counted where the customer stands
    expect(outcome).toMatchObject({ source: 'TRANSACTION_MONITORING', schemaVersion: 2 });
    const box = outcome?.note as NonNullable<AuditOutcome['note']>;
    expect(openJson(subjectKey, box, outcomeNoteContext(subject, String(outcome?.outcomeId)))).toBe(note);
    expect(staffNotesOf(undefined, stored, new Map([['outcomes[0].note', note]]))).toEqual({
      pin: null,
      outcomes: [{ date: '2026-11-30', outcome: 'issue', source: 'TRANSACTION_MONITORING', note }],
    });
  });

  it('tells two findings of one kind on one day apart by their notes; a resend is still one', async () => {
    const { deps, stored } = outcomeDeps();
    const finding = (text: string) => ({
      pseudonym: subject,
      outcome: 'issue',
      date: '2026-11-30',
      source: 'OTHER',
      note: text,
    });
    await recordOutcomes([finding('first finding'), finding('second finding')], deps, actor);
    expect(new Set(stored.map((o) => o.outcomeId)).size).toBe(2);
    const again = await recordOutcomes([finding('first finding')], deps, actor);
    expect(again[0]?.status).toBe('accepted'); // the in-memory store says new; the id is what matters
    expect(stored[2]?.outcomeId).toBe(stored[0]?.outcomeId);
  });

  it('refuses only the outcome whose note cannot be sealed', async () => {
    const { deps, stored } = outcomeDeps();
    const unknown = pseudonymiser.pseudonym('customer', 'never-ingested');
    const results = await recordOutcomes(
      [
        { pseudonym: subject, outcome: 'issue', date: '2026-11-30', source: 'INTERNAL_AUDIT' },
        { pseudonym: unknown, outcome: 'issue', date: '2026-11-30', source: 'OTHER', note },
      ],
      {
        ...deps,
        keys: {
          subjectKeys: async (ps: readonly string[]) =>
            new Map(ps.filter((p) => p === subject).map((p) => [p, subjectKey] as const)),
        },
      },
      actor,
    );
    expect(results.map((r) => [r.index, r.status, 'code' in r ? r.code : undefined])).toEqual([
      [1, 'rejected', 'NO_SUBJECT_KEY'],
      [0, 'accepted', undefined],
    ]);
    expect(stored).toHaveLength(1);
  });

  it('releases the free-text source of a version-1 outcome as its note, under the code UNCODED', () => {
    const legacy = {
      ...({} as AuditOutcome),
      outcomeId: 'o1',
      date: '2026-01-02',
      outcome: 'issue' as const,
      source: note,
    };
    const fields = staffNoteFields(subject, undefined, [legacy]);
    expect(fields).toEqual([{ field: 'outcomes[0].note', clear: note }]);
    expect(staffNotesOf(undefined, [legacy], new Map([['outcomes[0].note', note]])).outcomes).toEqual([
      { date: '2026-01-02', outcome: 'issue', source: 'UNCODED', note },
    ]);
    const coded = { ...legacy, source: 'case:case_1' };
    expect(staffNoteFields(subject, undefined, [coded])).toEqual([
      { field: 'outcomes[0].note', box: undefined, context: outcomeNoteContext(subject, 'o1') },
    ]);
  });
});
