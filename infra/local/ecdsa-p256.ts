// ECDSA over NIST P-256 on a caller-supplied digest, for the local KMS endpoint's MessageType DIGEST.
// node:crypto always hashes what it signs (sign(null, …) on an EC key means SHA-256), so it cannot sign or
// verify a digest someone else computed; this does, with plain BigInt arithmetic. Dev/test only: it is not
// constant-time. Its output is checked against node:crypto in test/unit/kms-server.test.ts.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';

// SEC 2 / FIPS 186-4 domain parameters of P-256 (a = -3).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const G: Affine = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

interface Affine {
  x: bigint;
  y: bigint;
}
/** Jacobian coordinates (x/z², y/z³): no modular inverse per step; z = 0 is the point at infinity. */
interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}
const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}
/** Both moduli are prime, so Fermat's little theorem gives the inverse. */
const inverse = (a: bigint, m: bigint) => modPow(a, m - 2n, m);

// "dbl-2001-b" for a = -3 (Explicit-Formulas Database).
function double(p: Jacobian): Jacobian {
  if (p.z === 0n || p.y === 0n) return INFINITY;
  const delta = (p.z * p.z) % P;
  const gamma = (p.y * p.y) % P;
  const beta = (p.x * gamma) % P;
  const alpha = mod(3n * (p.x - delta) * (p.x + delta), P);
  const x = mod(alpha * alpha - 8n * beta, P);
  const z = mod((p.y + p.z) ** 2n - gamma - delta, P);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma, P);
  return { x, y, z };
}

// "add-2007-bl" (Explicit-Formulas Database), with the equal-point and opposite-point cases.
function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const z1z1 = (p.z * p.z) % P;
  const z2z2 = (q.z * q.z) % P;
  const u1 = (p.x * z2z2) % P;
  const u2 = (q.x * z1z1) % P;
  const s1 = (p.y * q.z * z2z2) % P;
  const s2 = (q.y * p.z * z1z1) % P;
  const h = mod(u2 - u1, P);
  const r = mod(2n * (s2 - s1), P);
  if (h === 0n) return r === 0n ? double(p) : INFINITY;
  const i = (4n * h * h) % P;
  const j = (h * i) % P;
  const v = (u1 * i) % P;
  const x = mod(r * r - j - 2n * v, P);
  const y = mod(r * (v - x) - 2n * s1 * j, P);
  const z = mod(((p.z + q.z) ** 2n - z1z1 - z2z2) * h, P);
  return { x, y, z };
}

function multiply(k: bigint, point: Affine): Jacobian {
  let result = INFINITY;
  let addend: Jacobian = { ...point, z: 1n };
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = double(addend);
  }
  return result;
}

function toAffine(p: Jacobian): Affine | undefined {
  if (p.z === 0n) return undefined;
  const zInv = inverse(p.z, P);
  const zInv2 = (zInv * zInv) % P;
  return { x: (p.x * zInv2) % P, y: (p.y * zInv2 * zInv) % P };
}

const isOnCurve = ({ x, y }: Affine) => mod(y * y - (x * x * x - 3n * x + B), P) === 0n;
const toBigInt = (bytes: Uint8Array) =>
  bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
const fromBase64Url = (s: string | undefined) => toBigInt(Buffer.from(s ?? '', 'base64url'));

/** A random scalar in [1, n-1], by rejection so it carries no modulo bias. */
function randomScalar(): bigint {
  for (;;) {
    const k = toBigInt(randomBytes(32));
    if (k > 0n && k < N) return k;
  }
}

// DER: SEQUENCE { INTEGER r, INTEGER s }, the signature format KMS returns. For P-256 every length fits in
// one byte, so short-form lengths are all this needs to write, and anything else is refused on reading.
function derInteger(v: bigint): Buffer {
  let bytes = Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
  while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] ?? 0) & 0x80) === 0) bytes = bytes.subarray(1);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function encodeDer(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** Strict DER (minimal integers, no trailing bytes): a malleated encoding is not a valid signature. */
export function decodeDer(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  const buf = Buffer.from(sig);
  if (buf.length < 8 || buf[0] !== 0x30 || buf[1] !== buf.length - 2) return undefined;
  const values: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    const len = buf[at + 1] ?? 0;
    if (buf[at] !== 0x02 || len === 0 || len > 33 || at + 2 + len > buf.length) return undefined;
    const bytes = buf.subarray(at + 2, at + 2 + len);
    const first = bytes[0] ?? 0;
    if (first & 0x80) return undefined; // negative
    if (first === 0 && len > 1 && ((bytes[1] ?? 0) & 0x80) === 0) return undefined; // not minimal
    values.push(toBigInt(bytes));
    at += 2 + len;
  }
  const [r, s] = values;
  if (at !== buf.length || r === undefined || s === undefined) return undefined;
  return { r, s };
}

/** A fresh P-256 private key as PKCS#8 DER, how the local KMS stores it. */
export function generateP256(): Buffer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'der' });
}

/** The DER SubjectPublicKeyInfo of a stored private key: what GetPublicKey returns. */
export function publicKeySpki(pkcs8: Buffer): Buffer {
  return createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
    type: 'spki',
    format: 'der',
  });
}

function scalars(pkcs8: Buffer): { d: bigint; q: Affine } {
  const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  return { d: fromBase64Url(jwk.d), q: { x: fromBase64Url(jwk.x), y: fromBase64Url(jwk.y) } };
}

/** ECDSA signature (DER) of a 32-byte digest; randomised like KMS's, so two signatures of one digest differ. */
export function signDigest(pkcs8: Buffer, digest: Uint8Array): Buffer {
  const { d } = scalars(pkcs8);
  const e = toBigInt(digest); // 256-bit digest, 256-bit order: no truncation
  for (;;) {
    const k = randomScalar();
    const point = toAffine(multiply(k, G));
    const r = point ? point.x % N : 0n;
    if (r === 0n) continue;
    const s = (inverse(k, N) * ((e + r * d) % N)) % N;
    if (s !== 0n) return encodeDer(r, s);
  }
}

export function verifyDigest(pkcs8: Buffer, digest: Uint8Array, signature: Uint8Array): boolean {
  const sig = decodeDer(signature);
  if (!sig || sig.r <= 0n || sig.r >= N || sig.s <= 0n || sig.s >= N) return false;
  const { q } = scalars(pkcs8);
  if (!isOnCurve(q)) return false;
  const w = inverse(sig.s, N);
  const u1 = (toBigInt(digest) * w) % N;
  const u2 = (sig.r * w) % N;
  const point = toAffine(add(multiply(u1, G), multiply(u2, q)));
  return point !== undefined && point.x % N === sig.r;
}
