// Local stand-in for AWS KMS (AWS JSON 1.1 protocol) so the unchanged @aws-sdk/client-kms runs offline against
// `endpoint`. Dev/test only: key material (AES keys and P-256 private keys alike) sits in plain JSON (mode 0600)
// under `dataDir`. Keys are SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT or ECC_NIST_P256/SIGN_VERIFY (ECDSA_SHA_256).
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Body, fail, own, sendError, serveAwsJson } from './aws-json-server.js';
import { generateP256, publicKeySpki, signDigest, verifyDigest } from './ecdsa-p256.js';

export interface KmsServer {
  /** e.g. http://127.0.0.1:4599 */
  endpoint: string;
  close(): Promise<void>;
  /** number of requests per operation name since start or last reset, e.g. { GenerateDataKey: 3, Decrypt: 10 } */
  stats(): Record<string, number>;
  resetStats(): void;
}

export type KmsOptions = {
  dataDir: string;
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  /** Local fault injection (infra/local/faults.ts): read per request; absent means always healthy. */
  fault?: () => 'none' | 'error500' | 'reset';
};

// material: base64 of 32 random bytes (symmetric) or of the PKCS#8 DER private key (ECC_NIST_P256); dates are
// epoch seconds, the wire format the SDK expects for timestamps.
interface KeyRecord {
  id: string;
  material: string;
  /** Absent on symmetric keys, and so on every key stored before signing keys existed. */
  spec?: 'ECC_NIST_P256';
  description: string;
  tags: unknown[];
  created: number;
  state: 'Enabled' | 'PendingDeletion';
  deletionDate?: number;
  rotation?: boolean;
}
type Store = { keys: Record<string, KeyRecord>; aliases: Record<string, string> }; // aliases: name -> key id

const BLOB_VERSION = 1;
const IV_LEN = 12;
const TAG_LEN = 16;
const SPEC_BYTES: Record<string, number> = { AES_256: 32, AES_128: 16 };

const ALG = { EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
type Usage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY';
const usageOf = (k: KeyRecord): Usage => (k.spec === 'ECC_NIST_P256' ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT');
// The KeyUsage values AWS accepts with each KeySpec (API_CreateKey); other pairs are a ValidationException there.
const COMPATIBLE_USAGES: Record<string, string[]> = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
};
// KMS's SigningAlgorithmSpec enum: a value outside it is a ValidationException, one the key cannot use an
// InvalidKeyUsageException. A P-256 key signs with ECDSA_SHA_256 only.
const SIGNING_ALGORITHMS = new Set([
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
]);
const P256 = {
  KeySpec: 'ECC_NIST_P256',
  CustomerMasterKeySpec: 'ECC_NIST_P256',
  KeyUsage: 'SIGN_VERIFY',
  SigningAlgorithms: ['ECDSA_SHA_256'],
};
const nowSec = () => Date.now() / 1000;
// Ops that change the store; the dispatcher persists after them (and only them, keeping Encrypt/Decrypt cheap).
const MUTATING = new Set(['CreateKey', 'CreateAlias', 'ScheduleKeyDeletion', 'EnableKeyRotation']);
const invalid: (message: string) => never = (message) => fail('ValidationException', message);
const badCiphertext: () => never = () => fail('InvalidCiphertextException', 'Invalid ciphertext');

function need(body: Body, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') invalid(`${name} is required`);
  return v;
}

function intIn(n: unknown, min: number, max: number, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    invalid(`${what} must be ${min}..${max}`);
  return n;
}

/** Canonical encryption context (sorted [k, v] pairs) so key order on the caller's side never matters. */
function contextAad(ctx: unknown): Buffer {
  if (ctx === undefined || ctx === null) return Buffer.from('[]');
  if (typeof ctx !== 'object' || Array.isArray(ctx)) invalid('EncryptionContext must be a map');
  const entries = Object.entries(ctx).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.some(([, v]) => typeof v !== 'string')) invalid('EncryptionContext values must be strings');
  return Buffer.from(JSON.stringify(entries));
}

// Blob: [version][idLen][keyId][iv 12][tag 16][ciphertext]. The key id rides along so Decrypt needs no KeyId,
// and the header is part of the AAD so swapping the key id is detected like any other tampering.
function seal(key: KeyRecord, plaintext: Buffer, ctx: unknown): Buffer {
  const id = Buffer.from(key.id, 'utf8');
  const header = Buffer.concat([Buffer.from([BLOB_VERSION, id.length]), id]);
  const iv = randomBytes(IV_LEN);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key.material, 'base64'), iv);
  cipher.setAAD(Buffer.concat([header, contextAad(ctx)]));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ct]);
}

function blobKeyId(blob: Buffer): string {
  const headerLen = 2 + (blob[1] ?? 0);
  if (blob[0] !== BLOB_VERSION || blob.length < headerLen + IV_LEN + TAG_LEN) badCiphertext();
  return blob.subarray(2, headerLen).toString('utf8');
}

function open(key: KeyRecord, blob: Buffer, ctx: unknown): Buffer {
  const aad = contextAad(ctx); // outside the try: a malformed context is a ValidationException, not bad ciphertext
  const headerLen = 2 + (blob[1] ?? 0);
  const ivEnd = headerLen + IV_LEN;
  try {
    const material = Buffer.from(key.material, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(headerLen, ivEnd));
    decipher.setAuthTag(blob.subarray(ivEnd, ivEnd + TAG_LEN));
    decipher.setAAD(Buffer.concat([blob.subarray(0, headerLen), aad]));
    return Buffer.concat([decipher.update(blob.subarray(ivEnd + TAG_LEN)), decipher.final()]);
  } catch {
    return badCiphertext(); // GCM auth failure: wrong/missing context or tampered blob, same as AWS
  }
}

export async function startKmsServer(opts: KmsOptions): Promise<KmsServer> {
  const { dataDir, host = '127.0.0.1', region = 'us-east-1', accountId = '000000000000' } = opts;
  const arnPrefix = `arn:aws:kms:${region}:${accountId}:`;
  const file = join(dataDir, 'kms-store.json');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // A corrupt store must fail loudly rather than be replaced: old ciphertexts would become undecryptable.
  const store: Store = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { keys: {}, aliases: {} };

  // Writes are chained so concurrent requests never rename over each other out of order; each write snapshots
  // the latest state. Temp file + rename means a crash leaves either the old or the new file, never half of one.
  let saving: Promise<void> = Promise.resolve();
  const writeStore = async () => {
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(store, null, 2), { mode: 0o600 });
    await rename(tmp, file);
  };
  const save = () => {
    saving = saving.catch(() => {}).then(writeStore); // catch: one failed write must not poison later ones
    return saving;
  };

  const arnOf = (id: string) => `${arnPrefix}key/${id}`;
  const metadata = (k: KeyRecord) => ({
    AWSAccountId: accountId,
    KeyId: k.id,
    Arn: arnOf(k.id),
    CreationDate: k.created,
    Enabled: k.state === 'Enabled', // AWS reports pending-deletion keys as disabled too
    Description: k.description,
    KeyState: k.state,
    ...(usageOf(k) === 'SIGN_VERIFY'
      ? P256
      : {
          EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeySpec: 'SYMMETRIC_DEFAULT',
        }),
    KeyManager: 'CUSTOMER',
    Origin: 'AWS_KMS',
    ...(k.deletionDate === undefined ? {} : { DeletionDate: k.deletionDate }),
  });

  /** Accepts key id, key ARN, alias name or alias ARN, like every KeyId parameter in AWS. */
  function findKey(raw: string): KeyRecord {
    const name = raw.startsWith(arnPrefix) ? raw.slice(arnPrefix.length) : raw;
    let id: string | undefined = name;
    if (name.startsWith('alias/')) id = own(store.aliases, name);
    else if (raw.startsWith('arn:')) id = name.startsWith('key/') ? name.slice(4) : undefined;
    return own(store.keys, id) ?? fail('NotFoundException', `Key '${raw}' does not exist`);
  }
  // Only PendingDeletion exists as a non-usable state here (no DisableKey), so no DisabledException path.
  function usable(key: KeyRecord): KeyRecord {
    if (key.state !== 'Enabled') fail('KMSInvalidStateException', `${arnOf(key.id)} is pending deletion.`);
    return key;
  }
  const usableKey = (b: Body) => usable(findKey(need(b, 'KeyId')));
  /** Wording as AWS's: "<arn> key usage is SIGN_VERIFY which is not valid for Encrypt." */
  function usableFor(b: Body, usage: Usage, op: string): KeyRecord {
    const key = usableKey(b);
    if (usageOf(key) !== usage)
      fail(
        'InvalidKeyUsageException',
        `${arnOf(key.id)} key usage is ${usageOf(key)} which is not valid for ${op}.`,
      );
    return key;
  }

  /** Sign and Verify: RAW messages are hashed here (SHA-256), DIGEST messages are the 32-byte hash already. */
  function signingInput(b: Body, op: 'Sign' | 'Verify') {
    const algorithm = need(b, 'SigningAlgorithm');
    if (!SIGNING_ALGORITHMS.has(algorithm))
      invalid(
        `Value '${algorithm}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set`,
      );
    const message = Buffer.from(need(b, 'Message'), 'base64');
    if (message.length > 4096)
      invalid(
        "Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096",
      );
    const type = b.MessageType ?? 'RAW';
    if (type !== 'RAW' && type !== 'DIGEST')
      invalid(`MessageType ${String(type)} is not supported for ECC_NIST_P256`);
    if (type === 'DIGEST' && message.length !== 32)
      invalid(`Digest is invalid length for algorithm ${algorithm}.`);
    const key = usableFor(b, 'SIGN_VERIFY', op);
    if (algorithm !== 'ECDSA_SHA_256')
      fail('InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ECC_NIST_P256.`);
    const digest = type === 'RAW' ? createHash('sha256').update(message).digest() : message;
    return { key, digest, algorithm, material: Buffer.from(key.material, 'base64') };
  }

  function dataKey(b: Body, withPlaintext: boolean): Body {
    const op = withPlaintext ? 'GenerateDataKey' : 'GenerateDataKeyWithoutPlaintext';
    const key = usableFor(b, 'ENCRYPT_DECRYPT', op);
    const { KeySpec: spec, NumberOfBytes: n } = b;
    if ((spec === undefined) === (n === undefined)) invalid('Give exactly one of KeySpec or NumberOfBytes');
    const len = spec === undefined ? intIn(n, 1, 1024, 'NumberOfBytes') : own(SPEC_BYTES, String(spec));
    const plaintext = randomBytes(len ?? invalid(`Unsupported KeySpec ${String(spec)}`));
    const blob = seal(key, plaintext, b.EncryptionContext);
    const out = { CiphertextBlob: blob.toString('base64'), KeyId: arnOf(key.id) };
    return withPlaintext ? { ...out, Plaintext: plaintext.toString('base64') } : out;
  }

  const ops: Record<string, (b: Body) => Body> = {
    CreateKey(b) {
      const spec = String(b.KeySpec ?? b.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT');
      const usage = String(b.KeyUsage ?? 'ENCRYPT_DECRYPT');
      const compatible = own(COMPATIBLE_USAGES, spec);
      if (compatible && !compatible.includes(usage))
        invalid(`KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
      const signing = spec === 'ECC_NIST_P256' && usage === 'SIGN_VERIFY';
      if (!signing && (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT'))
        fail(
          'UnsupportedOperationException',
          'Only SYMMETRIC_DEFAULT ENCRYPT_DECRYPT and ECC_NIST_P256 SIGN_VERIFY keys are supported',
        );
      const id = randomUUID();
      const description = typeof b.Description === 'string' ? b.Description : '';
      const tags = Array.isArray(b.Tags) ? b.Tags : [];
      const material = (signing ? generateP256() : randomBytes(32)).toString('base64');
      const key: KeyRecord = { id, material, description, tags, created: nowSec(), state: 'Enabled' };
      if (signing) key.spec = 'ECC_NIST_P256';
      store.keys[id] = key;
      return { KeyMetadata: metadata(key) };
    },
    DescribeKey: (b) => ({ KeyMetadata: metadata(findKey(need(b, 'KeyId'))) }),
    ListKeys: () => ({
      Keys: Object.keys(store.keys).map((id) => ({ KeyId: id, KeyArn: arnOf(id) })),
      Truncated: false,
    }),
    CreateAlias(b) {
      const name = need(b, 'AliasName');
      if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name)) invalid('Alias must start with the prefix "alias/"');
      if (name.startsWith('alias/aws/')) fail('InvalidAliasNameException', 'alias/aws/ is reserved for AWS');
      if (own(store.aliases, name)) fail('AlreadyExistsException', `${arnPrefix}${name} already exists`);
      store.aliases[name] = usableKey({ KeyId: need(b, 'TargetKeyId') }).id;
      return {};
    },
    ListAliases(b) {
      const only = b.KeyId === undefined ? undefined : findKey(need(b, 'KeyId')).id;
      const aliases = Object.entries(store.aliases).filter(([, id]) => only === undefined || id === only);
      const list = aliases.map(([n, id]) => ({ AliasName: n, AliasArn: arnPrefix + n, TargetKeyId: id }));
      return { Aliases: list, Truncated: false };
    },
    Encrypt(b) {
      const key = usableFor(b, 'ENCRYPT_DECRYPT', 'Encrypt');
      const plaintext = Buffer.from(need(b, 'Plaintext'), 'base64');
      intIn(plaintext.length, 1, 4096, 'Plaintext length');
      const blob = seal(key, plaintext, b.EncryptionContext);
      return { CiphertextBlob: blob.toString('base64'), KeyId: arnOf(key.id), ...ALG };
    },
    Decrypt(b) {
      const blob = Buffer.from(need(b, 'CiphertextBlob'), 'base64');
      const key = own(store.keys, blobKeyId(blob));
      if (!key) return badCiphertext();
      if (b.KeyId !== undefined && findKey(need(b, 'KeyId')).id !== key.id)
        fail('IncorrectKeyException', 'The KeyId does not identify the key that encrypted the ciphertext.');
      const plaintext = open(usable(key), blob, b.EncryptionContext);
      return { KeyId: arnOf(key.id), Plaintext: plaintext.toString('base64'), ...ALG };
    },
    GenerateDataKey: (b) => dataKey(b, true),
    GenerateDataKeyWithoutPlaintext: (b) => dataKey(b, false),
    GenerateRandom: (b) => ({
      Plaintext: randomBytes(intIn(b.NumberOfBytes, 1, 1024, 'NumberOfBytes')).toString('base64'),
    }),
    ScheduleKeyDeletion(b) {
      const key = usableKey(b);
      const days = intIn(b.PendingWindowInDays ?? 30, 7, 30, 'PendingWindowInDays');
      key.state = 'PendingDeletion';
      key.deletionDate = nowSec() + days * 86400;
      const { KeyState, DeletionDate } = metadata(key);
      return { KeyId: arnOf(key.id), KeyState, DeletionDate, PendingWindowInDays: days };
    },
    EnableKeyRotation(b) {
      const key = usableKey(b);
      // AWS rotates symmetric encryption keys only; an asymmetric key's rotation status stays false.
      if (usageOf(key) !== 'ENCRYPT_DECRYPT')
        fail('UnsupportedOperationException', `${arnOf(key.id)} does not support automatic key rotation.`);
      key.rotation = true;
      return {};
    },
    Sign(b) {
      const { key, digest, algorithm, material } = signingInput(b, 'Sign');
      const signature = signDigest(material, digest); // DER-encoded ECDSA, as KMS returns it
      return { KeyId: arnOf(key.id), Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
    },
    Verify(b) {
      const { key, digest, algorithm, material } = signingInput(b, 'Verify');
      const signature = Buffer.from(need(b, 'Signature'), 'base64');
      intIn(signature.length, 1, 6144, 'Signature length');
      // AWS never answers SignatureValid: false; a bad signature is this error.
      if (!verifyDigest(material, digest, signature))
        fail('KMSInvalidSignatureException', 'Signature verification failed.');
      return { KeyId: arnOf(key.id), SignatureValid: true, SigningAlgorithm: algorithm };
    },
    GetPublicKey(b) {
      const key = usableKey(b);
      if (usageOf(key) !== 'SIGN_VERIFY')
        fail('UnsupportedOperationException', `${arnOf(key.id)} is a symmetric key: it has no public key.`);
      const spki = publicKeySpki(Buffer.from(key.material, 'base64')); // DER SubjectPublicKeyInfo
      return { KeyId: arnOf(key.id), PublicKey: spki.toString('base64'), ...P256 };
    },
    GetKeyRotationStatus: (b) => ({ KeyRotationEnabled: findKey(need(b, 'KeyId')).rotation ?? false }),
  };

  const server = await serveAwsJson({
    targetPrefix: 'TrentService',
    ops,
    unknownOperation: 'UnsupportedOperationException',
    internalError: 'KMSInternalException',
    host,
    ...(opts.port === undefined ? {} : { port: opts.port }),
    // Durable before we acknowledge, like AWS; only mutations write, keeping Encrypt/Decrypt cheap.
    afterOperation: async (op) => {
      if (MUTATING.has(op)) await save();
    },
    // An outage as the SDK meets it: a dropped connection, or AWS's own 500 for an internal failure.
    intercept: (req, res) => {
      const fault = opts.fault?.() ?? 'none';
      if (fault === 'reset') req.socket.destroy();
      if (fault === 'error500') sendError(res, 500, 'KMSInternalException', 'injected');
      return fault !== 'none';
    },
  });
  return {
    ...server,
    async close() {
      await server.close();
      await saving;
    },
  };
}
