import { describe, expect, it } from 'vitest';
import { isPseudonym, keyVersionOf, Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';

const secretA = Buffer.alloc(32, 0xa1);
const secretB = Buffer.alloc(32, 0xb2);
const pseudonymShape = /^k1\.[A-Za-z0-9_-]{43}$/;

describe('Pseudonymiser', () => {
  it('gives the same pseudonym for the same kind and value, across instances', () => {
    // Prepare
    const first = new Pseudonymiser({ version: 'k1', secret: secretA });
    const second = new Pseudonymiser({ version: 'k1', secret: Buffer.from(secretA) });

    // Act
    const a = first.pseudonym('customer', 'C-1001');
    const b = first.pseudonym('customer', 'C-1001');
    const c = second.pseudonym('customer', 'C-1001');

    // Assess
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('prefixes the key version and carries a 43-character base64url MAC', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });

    const pseudonym = pseudonymiser.pseudonym('customer', 'C-1001');

    expect(pseudonym).toMatch(pseudonymShape);
    expect(pseudonymiser.keyVersion).toBe('k1');
  });

  it('carries other key versions in the prefix', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k12', secret: secretA });

    expect(pseudonymiser.pseudonym('customer', 'C-1001')).toMatch(/^k12\.[A-Za-z0-9_-]{43}$/);
  });

  it('does not contain the identifier it stands for', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });

    expect(pseudonymiser.pseudonym('customer', 'C-1001')).not.toContain('C-1001');
  });

  it('gives a different pseudonym under a different secret', () => {
    const a = new Pseudonymiser({ version: 'k1', secret: secretA });
    const b = new Pseudonymiser({ version: 'k1', secret: secretB });

    expect(b.pseudonym('customer', 'C-1001')).not.toBe(a.pseudonym('customer', 'C-1001'));
  });

  it('gives different values different pseudonyms', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });

    expect(pseudonymiser.pseudonym('customer', 'C-1002')).not.toBe(
      pseudonymiser.pseudonym('customer', 'C-1001'),
    );
  });

  it('mixes the identifier kind in, so the same string as customer id and email is unlinkable', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });
    const value = 'ada@example.com';

    const asCustomer = pseudonymiser.pseudonym('customer', value);
    const asEmail = pseudonymiser.pseudonym('email', value);

    expect(asEmail).not.toBe(asCustomer);
    expect(asEmail.slice(3)).not.toBe(asCustomer.slice(3));
  });

  it('normalises emails: case and surrounding whitespace do not split a customer', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });

    const canonical = pseudonymiser.pseudonym('email', 'ada@example.com');

    expect(pseudonymiser.pseudonym('email', '  Ada@Example.COM\t')).toBe(canonical);
    expect(pseudonymiser.pseudonym('email', 'ada2@example.com')).not.toBe(canonical);
  });

  it('normalises phone numbers: spaces, dots, dashes and brackets are ignored', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });

    const canonical = pseudonymiser.pseudonym('phone', '+442071234567');

    expect(pseudonymiser.pseudonym('phone', ' +44 (20) 7123-45.67 ')).toBe(canonical);
    expect(pseudonymiser.pseudonym('phone', '+442071234568')).not.toBe(canonical);
  });

  it('keeps customer ids case-sensitive but trims them', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });

    const canonical = pseudonymiser.pseudonym('customer', 'C-abc');

    expect(pseudonymiser.pseudonym('customer', '  C-abc ')).toBe(canonical);
    expect(pseudonymiser.pseudonym('customer', 'C-ABC')).not.toBe(canonical);
  });

  it('digests content by kind, without the version prefix', () => {
    const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: secretA });

    const digest = pseudonymiser.digest('content', '{"a":1}');

    expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pseudonymiser.digest('content', '{"a":1}')).toBe(digest);
    expect(pseudonymiser.digest('content', '{"a":2}')).not.toBe(digest);
  });

  it('rejects a secret shorter than 256 bits', () => {
    expect(() => new Pseudonymiser({ version: 'k1', secret: Buffer.alloc(31, 1) })).toThrow(/256 bits/);
  });

  it.each(['1', 'v1', 'k', 'K1', 'k1a', ''])('rejects the key version %j', (version) => {
    expect(() => new Pseudonymiser({ version, secret: secretA })).toThrow(/version/);
  });
});

describe('isPseudonym and keyVersionOf', () => {
  const real = new Pseudonymiser({ version: 'k1', secret: secretA }).pseudonym('customer', 'C-1001');

  it('recognise a pseudonym and read its key version', () => {
    expect(isPseudonym(real)).toBe(true);
    expect(keyVersionOf(real)).toBe('k1');
    expect(keyVersionOf(`k7.${'A'.repeat(43)}`)).toBe('k7');
  });

  it.each([
    ['a raw identifier', 'C-1001'],
    ['a missing version', `.${'A'.repeat(43)}`],
    ['a bad version', `v1.${'A'.repeat(43)}`],
    ['a MAC one character short', `k1.${'A'.repeat(42)}`],
    ['a MAC one character long', `k1.${'A'.repeat(44)}`],
    ['a non-base64url character', `k1.${'A'.repeat(42)}+`],
    ['trailing text', `k1.${'A'.repeat(43)}/x`],
  ])('reject %s', (_label, value) => {
    expect(isPseudonym(value)).toBe(false);
    expect(keyVersionOf(value)).toBeUndefined();
  });
});
