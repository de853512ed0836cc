import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM ciphertext as stored: everything base64, versioned for future algorithms. */
export interface SealedBox {
  v: 1;
  iv: string;
  ct: string;
  tag: string;
}

/** A stored value that has the shape of a box (items are read back untyped). */
export function isSealedBox(value: unknown): value is SealedBox {
  if (!value || typeof value !== 'object') return false;
  const box = value as Record<string, unknown>;
  return (
    box.v === 1 && typeof box.iv === 'string' && typeof box.ct === 'string' && typeof box.tag === 'string'
  );
}

export class TamperedCiphertextError extends Error {
  constructor() {
    super('Ciphertext failed authentication (tampered, wrong key or wrong context)');
    this.name = 'TamperedCiphertextError';
  }
}

/**
 * Encrypts under a 256-bit key. `context` is bound as additional authenticated data: a box
 * copied to another subject or field fails to open, which stops cut-and-paste attacks.
 */
export function seal(key: Buffer, plaintext: Buffer, context: string): SealedBox {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    v: 1,
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

export function open(key: Buffer, box: SealedBox, context: string): Buffer {
  if (box.v !== 1) throw new TamperedCiphertextError();
  const tag = Buffer.from(box.tag, 'base64');
  // A truncated tag would weaken forgery resistance from 2^128 to 2^(8·length) tries: refuse it.
  if (tag.length !== 16) throw new TamperedCiphertextError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(box.ct, 'base64')), decipher.final()]);
  } catch {
    throw new TamperedCiphertextError();
  }
}

export function sealJson(key: Buffer, value: unknown, context: string): SealedBox {
  return seal(key, Buffer.from(JSON.stringify(value), 'utf8'), context);
}

export function openJson<T>(key: Buffer, box: SealedBox, context: string): T {
  return JSON.parse(open(key, box, context).toString('utf8')) as T;
}
