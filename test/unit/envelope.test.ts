import { describe, expect, it } from 'vitest';
import {
  open,
  openJson,
  type SealedBox,
  seal,
  sealJson,
  TamperedCiphertextError,
} from '../../shared/domain/crypto/envelope.js';

const key = Buffer.alloc(32, 0x11);
const otherKey = Buffer.alloc(32, 0x22);
const context = 'riskloop:profile:k1.abc:personalData';

/** Flips the lowest bit of the first byte of a base64 field. */
function flipFirstBit(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('envelope encryption (AES-256-GCM)', () => {
  it('opens what it sealed', () => {
    // Prepare
    const plaintext = Buffer.from('Ada Example, ada@example.com', 'utf8');

    // Act
    const box = seal(key, plaintext, context);
    const opened = open(key, box, context);

    // Assess
    expect(opened.equals(plaintext)).toBe(true);
    expect(box.v).toBe(1);
    expect(Buffer.from(box.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(box.tag, 'base64')).toHaveLength(16);
  });

  it('round-trips JSON values and does not store them in clear', () => {
    const value = { name: 'Ada Example', email: 'ada@example.com', address: { city: 'London' } };

    const box = sealJson(key, value, context);

    expect(JSON.stringify(box)).not.toContain('Ada');
    expect(JSON.stringify(box)).not.toContain('ada@example.com');
    expect(openJson(key, box, context)).toEqual(value);
  });

  it('round-trips an empty plaintext', () => {
    const box = seal(key, Buffer.alloc(0), context);

    expect(open(key, box, context)).toHaveLength(0);
  });

  it('uses a fresh IV for every seal, so equal plaintexts give different boxes', () => {
    const plaintext = Buffer.from('same', 'utf8');

    const first = seal(key, plaintext, context);
    const second = seal(key, plaintext, context);

    expect(second.iv).not.toBe(first.iv);
    expect(second.ct).not.toBe(first.ct);
  });

  it.each(['ct', 'tag', 'iv'] as const)('detects a tampered %s', (field) => {
    // Prepare
    const box = seal(key, Buffer.from('payload', 'utf8'), context);
    const tampered: SealedBox = { ...box, [field]: flipFirstBit(box[field]) };

    // Act / Assess
    expect(() => open(key, tampered, context)).toThrow(TamperedCiphertextError);
  });

  it('rejects an unknown box version', () => {
    const box = seal(key, Buffer.from('payload', 'utf8'), context);

    expect(() => open(key, { ...box, v: 2 as unknown as 1 }, context)).toThrow(TamperedCiphertextError);
  });

  it('refuses to open under another context (no cut-and-paste between subjects)', () => {
    const box = sealJson(key, { name: 'Ada' }, context);

    expect(() => openJson(key, box, 'riskloop:profile:k1.other:personalData')).toThrow(
      TamperedCiphertextError,
    );
  });

  it('refuses to open under another key', () => {
    const box = seal(key, Buffer.from('payload', 'utf8'), context);

    expect(() => open(otherKey, box, context)).toThrow(TamperedCiphertextError);
  });

  it('names the failure without revealing anything about the plaintext', () => {
    const box = seal(key, Buffer.from('secret-marker', 'utf8'), context);

    let caught: unknown;
    try {
      open(otherKey, box, context);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(TamperedCiphertextError);
    expect((caught as Error).name).toBe('TamperedCiphertextError');
    expect((caught as Error).message).not.toContain('secret-marker');
  });

  it.each([0, 16, 31, 33, 64])('refuses to seal with a %i-byte key', (length) => {
    expect(() => seal(Buffer.alloc(length, 1), Buffer.from('x'), context)).toThrow(/32-byte key/);
  });

  it('refuses to open with a key of the wrong length', () => {
    const box = seal(key, Buffer.from('payload', 'utf8'), context);

    expect(() => open(Buffer.alloc(16, 0x11), box, context)).toThrow(TamperedCiphertextError);
  });
});
