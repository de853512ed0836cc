import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { open, type SealedBox, seal } from '../domain/crypto/envelope.js';
import { Pseudonymiser } from '../domain/crypto/pseudonymiser.js';
import type { KeyService } from '../domain/ports.js';
import { NotInitialisedError } from '../errors.js';
import { batchGet } from './dynamo-batch.js';
import { transactUnits } from './dynamo-transact.js';

export interface KmsKeyServiceOptions {
  keyringTable: string;
  subjectKeysTable: string;
  /** KMS key (id, ARN or alias) that wraps the pseudonymisation MAC secrets. */
  macWrappingKeyId: string;
  /** KMS key that wraps key-encryption keys (KEKs). */
  dataWrappingKeyId: string;
  macKeyVersion: string;
  kekVersion: string;
  /** How long unwrapped material may stay in this container's memory. */
  cacheTtlMs: number;
  maxCachedSubjectKeys: number;
}

interface KeyringItem {
  keyRef: string;
  wrapped: string;
  kmsKeyId: string;
  createdAt: string;
}

interface SubjectKeyItem {
  pseudonym: string;
  kekRef: string;
  wrapped: SealedBox;
  createdAt: string;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

const subjectKeyContext = (pseudonym: string) => `riskloop:subject-key:${pseudonym}`;
/** The KMS encryption context of a keyring secret: the key policies deny any other `app` or `purpose`. */
const keyringContext = (keyRef: string, purpose: string) => ({ purpose, keyRef, app: 'riskloop' });

/**
 * Key hierarchy that keeps KMS calls independent of record volume:
 *
 *   KMS key ──wraps──▶ KEK (one per version, in the keyring table)
 *   KEK ──wraps──▶ per-subject data key (subjectKeys table) ──encrypts──▶ personal data
 *   KMS key ──wraps──▶ MAC secret (keyring table) ──HMAC──▶ pseudonyms
 *
 * Unwrapped KEKs and MAC secrets stay in memory for `cacheTtlMs`, so a warm container makes one
 * KMS Decrypt per key per TTL, whatever the traffic. Deleting a subject's item destroys the only
 * copy of its data key (crypto-shredding); the KEK itself is never exported.
 *
 * The keyring's secrets are created by the deployment (`initialise`, run by the initialiser function), never
 * by whichever request comes first: most functions may only decrypt, and a secret created by a request
 * racing the deployment would be one nobody audited.
 */
export class KmsKeyService implements KeyService {
  private readonly keyringCache = new Map<string, Cached<Buffer>>();
  private readonly subjectCache = new Map<string, Cached<Buffer>>();
  private readonly inflight = new Map<string, Promise<Buffer>>();
  private pseudonymiserCache: Cached<Pseudonymiser> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: KmsKeyServiceOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Creates the secrets a deployment asks for (MAC secret `mac#<version>`, KEK `kek#<version>`) where absent;
   * idempotent. Returns the key references that exist now, created or not.
   */
  async initialise(
    versions: { macKeyVersion: string; kekVersion: string } = this.options,
  ): Promise<string[]> {
    const wanted: [string, string, string][] = [];
    if (this.options.macWrappingKeyId) {
      wanted.push([`mac#${versions.macKeyVersion}`, this.options.macWrappingKeyId, 'pseudonymisation']);
    }
    if (this.options.dataWrappingKeyId) {
      wanted.push([`kek#${versions.kekVersion}`, this.options.dataWrappingKeyId, 'key-encryption']);
    }
    for (const [keyRef, kmsKeyId, purpose] of wanted)
      await this.createKeyringSecret(keyRef, kmsKeyId, purpose);
    return wanted.map(([keyRef]) => keyRef);
  }

  async pseudonymiser(): Promise<Pseudonymiser> {
    if (this.pseudonymiserCache && this.pseudonymiserCache.expiresAt > this.clock()) {
      return this.pseudonymiserCache.value;
    }
    const version = this.options.macKeyVersion;
    const secret = await this.keyringSecret(`mac#${version}`, 'pseudonymisation');
    const value = new Pseudonymiser({ version, secret });
    this.pseudonymiserCache = { value, expiresAt: this.clock() + this.options.cacheTtlMs };
    return value;
  }

  async subjectKeys(pseudonyms: readonly string[], create: boolean): Promise<Map<string, Buffer>> {
    const now = this.clock();
    const found = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const p of new Set(pseudonyms)) {
      const cached = this.subjectCache.get(p);
      if (cached && cached.expiresAt > now) found.set(p, cached.value);
      else missing.push(p);
    }
    if (missing.length === 0) return found;

    const items = await batchGet<SubjectKeyItem>(
      this.doc,
      this.options.subjectKeysTable,
      'pseudonym',
      missing,
    );
    const loaded = new Map<string, Buffer>();
    for (const item of items) loaded.set(item.pseudonym, await this.unwrapSubjectKey(item));
    if (create) {
      const absent = missing.filter((p) => !loaded.has(p));
      if (absent.length > 0) for (const [p, key] of await this.createSubjectKeys(absent)) loaded.set(p, key);
    }
    // Only fresh material is (re)cached: a cached key must expire on time even if it is used again.
    for (const [p, key] of loaded) {
      this.remember(p, key);
      found.set(p, key);
    }
    return found;
  }

  /** Creates keys in one conditional transaction per 100; where another request won, uses its key. */
  private async createSubjectKeys(pseudonyms: readonly string[]): Promise<Map<string, Buffer>> {
    const kekRef = `kek#${this.options.kekVersion}`;
    const kek = await this.keyringSecret(kekRef, 'key-encryption');
    const createdAt = new Date(this.clock()).toISOString();
    const fresh = pseudonyms.map((pseudonym) => {
      const key = randomBytes(32);
      const item: SubjectKeyItem = {
        pseudonym,
        kekRef,
        wrapped: seal(kek, key, subjectKeyContext(pseudonym)),
        createdAt,
      };
      return { pseudonym, key, item };
    });
    const outcomes = await transactUnits(
      this.doc,
      fresh.map(({ item }) => [
        {
          TableName: this.options.subjectKeysTable,
          Item: item as unknown as Record<string, unknown>,
          ConditionExpression: 'attribute_not_exists(pseudonym)',
        },
      ]),
    );
    const keys = new Map<string, Buffer>();
    await Promise.all(
      fresh.map(async ({ pseudonym, key }, i) => {
        const outcome = outcomes[i];
        // A concurrent request created it first: use theirs, or data sealed under ours is lost.
        keys.set(
          pseudonym,
          outcome?.written
            ? key
            : await this.unwrapSubjectKey(outcome?.existing[0] as unknown as SubjectKeyItem),
        );
      }),
    );
    return keys;
  }

  /** Seals small secrets of the system (e.g. webhook secrets) under the current key-encryption key. */
  async sealWithKek(plaintext: Buffer, context: string): Promise<{ kekRef: string; box: SealedBox }> {
    const kekRef = `kek#${this.options.kekVersion}`;
    const kek = await this.keyringSecret(kekRef, 'key-encryption');
    return { kekRef, box: seal(kek, plaintext, context) };
  }

  async openWithKek(kekRef: string, box: SealedBox, context: string): Promise<Buffer> {
    const kek = await this.keyringSecret(kekRef, 'key-encryption');
    return open(kek, box, context);
  }

  private async unwrapSubjectKey(item: SubjectKeyItem): Promise<Buffer> {
    const kek = await this.keyringSecret(item.kekRef, 'key-encryption');
    return open(kek, item.wrapped, subjectKeyContext(item.pseudonym));
  }

  private remember(pseudonym: string, key: Buffer): void {
    // Map keeps insertion order: dropping the first entry evicts the oldest.
    this.subjectCache.delete(pseudonym);
    if (this.subjectCache.size >= this.options.maxCachedSubjectKeys) {
      const oldest = this.subjectCache.keys().next().value;
      if (oldest !== undefined) this.subjectCache.delete(oldest);
    }
    this.subjectCache.set(pseudonym, { value: key, expiresAt: this.clock() + this.options.cacheTtlMs });
  }

  /** Reads a KMS-wrapped secret from the keyring, caching it unwrapped. */
  private keyringSecret(keyRef: string, purpose: string): Promise<Buffer> {
    const cached = this.keyringCache.get(keyRef);
    if (cached && cached.expiresAt > this.clock()) return Promise.resolve(cached.value);
    // Parallel cold-start callers share one KMS round trip instead of each making their own.
    let pending = this.inflight.get(keyRef);
    if (!pending) {
      pending = this.loadKeyringSecret(keyRef, purpose).finally(() => this.inflight.delete(keyRef));
      this.inflight.set(keyRef, pending);
    }
    return pending;
  }

  private async loadKeyringSecret(keyRef: string, purpose: string): Promise<Buffer> {
    const item = await this.keyringItem(keyRef);
    if (!item) throw new NotInitialisedError();
    return this.rememberSecret(keyRef, await this.decrypt(item, keyringContext(keyRef, purpose)));
  }

  /** Generates and stores the secret unless it exists (then another initialiser won): true if created. */
  private async createKeyringSecret(keyRef: string, kmsKeyId: string, purpose: string): Promise<boolean> {
    if (await this.keyringItem(keyRef)) return false;
    const context = keyringContext(keyRef, purpose);
    const generated = await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: kmsKeyId, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    if (!generated.Plaintext || !generated.CiphertextBlob) throw new Error('KMS returned no data key');
    const item: KeyringItem = {
      keyRef,
      wrapped: Buffer.from(generated.CiphertextBlob).toString('base64'),
      kmsKeyId: generated.KeyId ?? kmsKeyId,
      createdAt: new Date(this.clock()).toISOString(),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.options.keyringTable,
          Item: item,
          ConditionExpression: 'attribute_not_exists(keyRef)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    this.rememberSecret(keyRef, Buffer.from(generated.Plaintext));
    return true;
  }

  private async keyringItem(keyRef: string): Promise<KeyringItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.options.keyringTable, Key: { keyRef }, ConsistentRead: true }),
    );
    return out.Item as KeyringItem | undefined;
  }

  private rememberSecret(keyRef: string, secret: Buffer): Buffer {
    this.keyringCache.set(keyRef, { value: secret, expiresAt: this.clock() + this.options.cacheTtlMs });
    return secret;
  }

  private async decrypt(item: KeyringItem, context: Record<string, string>): Promise<Buffer> {
    const out = await this.kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(item.wrapped, 'base64'),
        KeyId: item.kmsKeyId,
        EncryptionContext: context,
      }),
    );
    if (!out.Plaintext) throw new Error('KMS returned no plaintext');
    return Buffer.from(out.Plaintext);
  }
}
