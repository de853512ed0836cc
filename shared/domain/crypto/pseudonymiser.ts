import { createHmac } from 'node:crypto';

/**
 * What kind of identifier a pseudonym stands for. It is mixed into the MAC so the same string
 * used as an email and as an external id yields unrelated pseudonyms (no cross-field linking).
 */
export type IdentifierKind =
  | 'customer'
  | 'email'
  | 'phone'
  | 'transaction'
  | 'content'
  /** The subject directory's key for an external id: a MAC unrelated to the subject's pseudonym. */
  | 'subject-lookup';

/** A secret of the keyed MAC, with the version that travels inside every pseudonym it makes. */
export interface MacKey {
  version: string;
  secret: Buffer;
}

const pseudonymPattern = /^(k\d+)\.([A-Za-z0-9_-]{43})$/;

/**
 * Deterministic pseudonyms by HMAC-SHA-256 (GDPR Art. 4(5); ENISA rates keyed hashes as strong,
 * unkeyed hashes fall to dictionary attacks). Format: `<keyVersion>.<base64url MAC>`, e.g.
 * `k1.3q2…`, so after a key rotation old and new pseudonyms can be told apart and re-linked.
 */
export class Pseudonymiser {
  constructor(private readonly key: MacKey) {
    if (!/^k\d+$/.test(key.version)) throw new Error('MAC key version must look like k1, k2, …');
    if (key.secret.length < 32) throw new Error('MAC secret must be at least 256 bits');
  }

  get keyVersion(): string {
    return this.key.version;
  }

  pseudonym(kind: IdentifierKind, value: string): string {
    return `${this.key.version}.${this.mac(kind, normalise(kind, value))}`;
  }

  /**
   * A customer's pseudonym under its subject salt (from the subject directory): without the salt,
   * which erasure deletes, the MAC secret alone can no longer recompute it from the external id.
   */
  subjectPseudonym(externalId: string, salt: string): string {
    return `${this.key.version}.${this.mac('customer', `${normalise('customer', externalId)}\u001f${salt}`)}`;
  }

  /** The subject directory's key for an external id (normalised like the customer pseudonym). */
  subjectLookup(externalId: string): string {
    return this.mac('subject-lookup', normalise('customer', externalId));
  }

  /** Keyed digest of arbitrary content (e.g. a canonical record) for idempotency without exposing it. */
  digest(kind: IdentifierKind, content: string): string {
    return this.mac(kind, content);
  }

  private mac(kind: IdentifierKind, value: string): string {
    // One update of the joined string: the same bytes (kind and separator are ASCII), one native call.
    return createHmac('sha256', this.key.secret).update(`${kind}\u001f${value}`).digest('base64url');
  }
}

/** Same person, same pseudonym: case and spacing differences must not split a customer in two. */
function normalise(kind: IdentifierKind, value: string): string {
  const trimmed = value.normalize('NFC').trim();
  if (kind === 'email') return trimmed.toLowerCase();
  if (kind === 'phone') return trimmed.replace(/[\s().-]/g, '');
  return trimmed;
}

export function isPseudonym(value: string): boolean {
  return pseudonymPattern.test(value);
}

export function keyVersionOf(pseudonym: string): string | undefined {
  return pseudonymPattern.exec(pseudonym)?.[1];
}
