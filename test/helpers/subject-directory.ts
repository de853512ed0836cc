import type { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import { newSalt, type SubjectDirectory } from '../../shared/domain/privacy/subject-directory.js';

/** The subject directory in memory, with the same first-writer-wins rule as the DynamoDB adapter. */
export class InMemorySubjectDirectory implements SubjectDirectory {
  readonly salts = new Map<string, string>();
  readonly calls: { op: 'saltsOf' | 'create'; count: number }[] = [];

  async saltsOf(lookups: readonly string[]): Promise<Map<string, string>> {
    this.calls.push({ op: 'saltsOf', count: lookups.length });
    return new Map(lookups.flatMap((l) => (this.salts.has(l) ? [[l, this.salts.get(l) as string]] : [])));
  }

  async create(entries: readonly { lookup: string; salt: string }[]): Promise<Map<string, string>> {
    this.calls.push({ op: 'create', count: entries.length });
    for (const e of entries) if (!this.salts.has(e.lookup)) this.salts.set(e.lookup, e.salt);
    return new Map(entries.map((e) => [e.lookup, this.salts.get(e.lookup) as string]));
  }

  /** The pseudonym of an id, creating its subject if needed (tests seed known customers this way). */
  pseudonymOf(pseudonymiser: Pseudonymiser, externalId: string): string {
    const lookup = pseudonymiser.subjectLookup(externalId);
    if (!this.salts.has(lookup)) this.salts.set(lookup, newSalt());
    return pseudonymiser.subjectPseudonym(externalId, this.salts.get(lookup) as string);
  }

  /** The pseudonym of an id if it has a subject, without creating one. */
  existing(pseudonymiser: Pseudonymiser, externalId: string): string | undefined {
    const salt = this.salts.get(pseudonymiser.subjectLookup(externalId));
    return salt === undefined ? undefined : pseudonymiser.subjectPseudonym(externalId, salt);
  }
}
