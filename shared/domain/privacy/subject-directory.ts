import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Pseudonymiser } from '../crypto/pseudonymiser.js';

/**
 * Port: the subject directory. One entry per known customer, keyed by a lookup MAC of the external
 * id, holding a random salt. The pseudonym is HMAC(secret, id ‖ salt), so it exists only while the
 * entry does: erasure deletes the entry, after which the MAC secret alone cannot recompute the old
 * pseudonym (the audit records that keep it become unlinkable), and a later ingest of the same id
 * draws a new salt, i.e. starts a new subject.
 */
export interface SubjectDirectory {
  /** Salts of the given lookups that exist (one batched read). */
  saltsOf(lookups: readonly string[]): Promise<Map<string, string>>;
  /**
   * Creates the entries whose lookup is still absent (conditional puts, batched); where another
   * request created one first, its salt wins. Returns the salt in force for every lookup given. The
   * entry keeps its pseudonym too, so the reconciler can tell an accepted customer from a crash's orphan
   * without the external id (the directory's protection is unchanged: both go with erasure).
   */
  create(entries: readonly NewSubject[], now: Date): Promise<Map<string, string>>;
}

export interface NewSubject {
  lookup: string;
  salt: string;
  pseudonym: string;
}

export interface ResolvedSubject {
  lookup: string;
  pseudonym: string;
}

/**
 * Resolves external ids to pseudonyms through the directory: one batched read, plus one batched
 * conditional write for the missing ones when `create` is set. Without `create` an unknown id
 * resolves to nothing (survey answers and audit outcomes never create a subject).
 * Returns a map keyed by the external id exactly as given.
 */
export async function resolveSubjects(
  externalIds: readonly string[],
  pseudonymiser: Pseudonymiser,
  directory: SubjectDirectory,
  /** Which ids may get a new subject: all (`true`), none (`false`), or those the predicate accepts. */
  options: { create: boolean | ((externalId: string) => boolean); now: Date },
): Promise<Map<string, ResolvedSubject>> {
  const lookups = new Map(externalIds.map((id) => [id, pseudonymiser.subjectLookup(id)]));
  if (lookups.size === 0) return new Map();
  const salts = await directory.saltsOf([...new Set(lookups.values())]);
  const creatable = options.create;
  if (creatable !== false) {
    // One new subject per lookup (the first id given for it).
    const missing = new Map(
      [...lookups]
        .filter(([id, l]) => !salts.has(l) && (creatable === true || creatable(id)))
        .reverse()
        .map(([id, l]) => [l, id]),
    );
    if (missing.size > 0) {
      const created = await directory.create(
        [...missing].map(([lookup, id]) => {
          const salt = newSalt();
          return { lookup, salt, pseudonym: pseudonymiser.subjectPseudonym(id, salt) };
        }),
        options.now,
      );
      for (const [lookup, salt] of created) salts.set(lookup, salt);
    }
  }
  const resolved = new Map<string, ResolvedSubject>();
  for (const [id, lookup] of lookups) {
    const salt = salts.get(lookup);
    if (salt !== undefined) resolved.set(id, { lookup, pseudonym: pseudonymiser.subjectPseudonym(id, salt) });
  }
  return resolved;
}

/** 256 random bits: the pseudonym cannot be guessed from the id even by someone holding the MAC secret. */
export function newSalt(): string {
  return randomBytes(32).toString('base64url');
}

/** POST /v1/customers/lookup: the external id travels in the body, never in a URL. */
export const lookupRequest = z.object({ externalId: z.string().trim().min(1).max(128) }).strict();
