import { beforeEach, describe, expect, it } from 'vitest';
import { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import type { AuditEvent, StoredProfile } from '../../shared/domain/ports.js';
import {
  type ErasureDeps,
  requestErasure,
  runDeferredErasures,
} from '../../shared/domain/privacy/erasure.js';
import type { ErasedCounts, ErasureRequest } from '../../shared/domain/privacy/ports.js';
import { loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { InMemorySubjectDirectory } from '../helpers/subject-directory.js';

const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: Buffer.alloc(32, 0x44) });
const now = new Date('2026-11-25T12:00:00Z');
const actor = { principalId: 'officer-1', role: 'privacy', requestId: 'req-1', now };
const shredded: Omit<ErasedCounts, 'directoryEntry'> = {
  subjectKey: 1,
  profile: 1,
  transactions: 3,
  assignment: 1,
  override: 0,
  feedback: 0,
  outcomes: 0,
  erasureRequest: 0,
  cases: 0,
  kycReview: 0,
};

function profile(pseudonym: string, relationshipEndedAt?: string): StoredProfile {
  return {
    pseudonym,
    macKeyVersion: 'k1',
    customerType: 'individual',
    jurisdictions: ['GB'],
    attributes: {},
    flags: {},
    lawfulBasis: {},
    ...(relationshipEndedAt ? { relationshipEndedAt } : {}),
    contentDigest: 'd',
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

describe('erasure', () => {
  let directory: InMemorySubjectDirectory;
  let profiles: Map<string, StoredProfile>;
  let requests: Map<string, ErasureRequest>;
  let steps: string[];
  let audit: AuditEvent[];
  let deps: ErasureDeps;

  beforeEach(() => {
    directory = new InMemorySubjectDirectory();
    profiles = new Map();
    requests = new Map();
    steps = [];
    audit = [];
    deps = {
      keys: { pseudonymiser: async () => pseudonymiser },
      subjects: directory,
      profiles: {
        getMany: async (ps) =>
          new Map(ps.flatMap((p) => (profiles.has(p) ? [[p, profiles.get(p) as StoredProfile]] : []))),
      },
      assignments: { getMany: async () => new Map() },
      segments: async () => loadDefaultModel().segments,
      requests: {
        put: async (r) => {
          requests.set(r.pseudonym, r);
        },
        get: async (p) => requests.get(p),
        scanAll: async function* () {
          yield [...requests.values()];
        },
      },
      eraser: {
        shred: async (p) => {
          steps.push(`shred ${p}`);
          requests.delete(p);
          return shredded;
        },
        forget: async (lookup) => {
          steps.push(`forget ${lookup}`);
          return directory.salts.delete(lookup) ? 1 : 0;
        },
      },
      audit: {
        append: async (events) => {
          steps.push(...events.map((e) => `audit ${e.action}`));
          audit.push(...events);
        },
      },
    };
  });

  it('shreds first, audits, and removes the directory entry last', async () => {
    const pseudonym = directory.pseudonymOf(pseudonymiser, 'C-1');
    profiles.set(pseudonym, profile(pseudonym, '2001-01-01T00:00:00.000Z'));
    const lookup = pseudonymiser.subjectLookup('C-1');

    const outcome = await requestErasure({ customerExternalId: 'C-1' }, deps, actor);

    expect(outcome).toEqual({ status: 'erased', removed: { ...shredded, directoryEntry: 1 } });
    expect(steps).toEqual([`shred ${pseudonym}`, 'audit subject.erased', `forget ${lookup}`]);
    expect(audit[0]).toMatchObject({
      subject: pseudonym,
      actor: { type: 'principal', id: 'officer-1', role: 'privacy' },
      details: { purpose: 'erasure-request' },
    });
    expect(JSON.stringify(audit)).not.toContain('"C-1"');
  });

  it('defers under a hold: stores the request without the id, audits, erases nothing', async () => {
    const pseudonym = directory.pseudonymOf(pseudonymiser, 'C-2');
    profiles.set(pseudonym, profile(pseudonym, '2025-11-25T12:00:00.000Z'));

    const outcome = await requestErasure({ customerExternalId: 'C-2' }, deps, actor);

    expect(outcome).toEqual({
      status: 'deferred',
      hold: { reason: 'AML record keeping', until: '2030-11-25T12:00:00.000Z', retentionYears: 5 },
    });
    expect(steps).toEqual(['audit subject.erasure-deferred']);
    expect(requests.get(pseudonym)).toMatchObject({ pseudonym, requestedBy: 'officer-1' });
    expect(JSON.stringify([...requests.values()])).not.toContain('C-2');
  });

  it('answers an unknown id with a 404 and an invalid body with a 400', async () => {
    await expect(requestErasure({ customerExternalId: 'never-seen' }, deps, actor)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(requestErasure({ externalId: 'C-1' }, deps, actor)).rejects.toBeInstanceOf(ValidationError);
    expect(directory.salts.size).toBe(0);
  });

  it('the scheduler erases only what is due, and keeps the stored hold current', async () => {
    const due = directory.pseudonymOf(pseudonymiser, 'C-due');
    const active = directory.pseudonymOf(pseudonymiser, 'C-active');
    profiles.set(due, profile(due, '2025-01-01T00:00:00.000Z'));
    profiles.set(active, profile(active));
    await requestErasure({ customerExternalId: 'C-due' }, deps, actor);
    await requestErasure({ customerExternalId: 'C-active' }, deps, actor);
    // The active customer's relationship ends after the request.
    profiles.set(active, profile(active, '2026-06-01T00:00:00.000Z'));
    steps.length = 0;

    const totals = await runDeferredErasures(deps, new Date('2030-06-01T00:00:00Z'), 'run-1');

    expect(totals).toEqual({ checked: 2, erased: 1, pending: 1 });
    expect(steps).toEqual([
      `shred ${due}`,
      'audit subject.erased',
      `forget ${pseudonymiser.subjectLookup('C-due')}`,
    ]);
    expect(requests.get(active)?.hold).toEqual({
      reason: 'AML record keeping',
      until: '2031-06-01T00:00:00.000Z',
      retentionYears: 5,
    });
    expect(audit.at(-1)?.actor).toEqual({ type: 'system', id: 'privacy-scheduler' });
  });
});
