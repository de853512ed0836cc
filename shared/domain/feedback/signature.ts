import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, ConfigError, ValidationError } from '../../errors.js';

export type WebhookVerificationCode =
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'TIMESTAMP_STALE'
  | 'TIMESTAMP_FUTURE'
  | 'TIMESTAMP_INVALID';

/** 401. The message says what was wrong with the signature headers, never anything of the payload. */
export class WebhookVerificationError extends AppError {
  declare readonly code: WebhookVerificationCode;

  constructor(code: WebhookVerificationCode, message: string) {
    super(401, code, message);
    this.name = 'WebhookVerificationError';
  }
}

/** Standard Webhooks' tolerance: 5 minutes each way. */
export const defaultToleranceSeconds = 300;
const secretPrefix = 'whsec_';
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A v1 signature is base64 of a 32-byte HMAC-SHA256: 43 characters and one `=`. */
const v1Signature = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const maxSignatures = 10;

/**
 * Decodes a Standard Webhooks secret, `whsec_` + base64 of 24-64 random bytes. Throws a
 * `ValidationError` (400) that does not echo the secret.
 */
export function parseSecret(secret: string): Buffer {
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : undefined;
  const key = encoded !== undefined && base64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (!key || key.length < 24 || key.length > 64) {
    throw new ValidationError('A webhook secret must be whsec_ followed by base64 of 24-64 bytes', [
      { path: 'secret', code: 'invalid_secret', message: 'Expected whsec_ + base64 of 24-64 bytes' },
    ]);
  }
  return key;
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * Verifies a Standard Webhooks delivery (https://www.standardwebhooks.com): `webhook-signature`
 * holds space-separated `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{raw body}`,
 * keyed with the decoded secret. Any active secret may match (rotation: old and new both work), and
 * any listed signature may match (senders sign with several during their own rotation). Digests
 * are compared with `crypto.timingSafeEqual` on equal-length buffers. The signature is checked
 * before the time window, so `TIMESTAMP_STALE`/`_FUTURE` mean "genuinely signed, but replayed or
 * delayed" (or a clock far off), and `SIGNATURE_INVALID` a forgery, a tampered body or a wrong secret.
 */
export function verifyWebhook(input: {
  headers: Record<string, string | undefined>;
  rawBody: string;
  secrets: readonly string[];
  now: Date;
  toleranceSeconds?: number;
}): { id: string; timestamp: Date } {
  const id = header(input.headers, 'webhook-id');
  const timestampText = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    const missing = [
      ...(id ? [] : ['webhook-id']),
      ...(timestampText ? [] : ['webhook-timestamp']),
      ...(signatures ? [] : ['webhook-signature']),
    ];
    throw new WebhookVerificationError('SIGNATURE_MISSING', `Missing header(s): ${missing.join(', ')}`);
  }
  if (id.length > 256) throw new WebhookVerificationError('SIGNATURE_INVALID', 'webhook-id is too long');
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new WebhookVerificationError('TIMESTAMP_INVALID', 'webhook-timestamp must be Unix seconds');
  }
  let keys: Buffer[];
  try {
    keys = input.secrets.map(parseSecret);
  } catch {
    throw new ConfigError('A configured webhook secret is malformed');
  }

  const candidates = signatures
    .split(/\s+/)
    .slice(0, maxSignatures)
    .flatMap((entry) => {
      const comma = entry.indexOf(',');
      const [version, value] = [entry.slice(0, comma), entry.slice(comma + 1)];
      return comma > 0 && version === 'v1' && v1Signature.test(value) ? [Buffer.from(value, 'base64')] : [];
    });
  const signed = `${id}.${timestampText}.${input.rawBody}`;
  let matched = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(signed, 'utf8').digest();
    for (const candidate of candidates) {
      // Lengths are equal by construction (32 bytes); the check keeps timingSafeEqual from throwing.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  if (!matched)
    throw new WebhookVerificationError('SIGNATURE_INVALID', 'No valid signature for this delivery');

  const tolerance = input.toleranceSeconds ?? defaultToleranceSeconds;
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  if (nowSeconds - timestamp > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_STALE',
      `webhook-timestamp is more than ${tolerance} s old`,
    );
  }
  if (timestamp - nowSeconds > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_FUTURE',
      `webhook-timestamp is more than ${tolerance} s in the future`,
    );
  }
  return { id, timestamp: new Date(timestamp * 1000) };
}
