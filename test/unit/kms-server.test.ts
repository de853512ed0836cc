import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KMSClient,
  KMSInvalidSignatureException,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  SignCommand,
  UnsupportedOperationException,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDer, signDigest, verifyDigest } from '../../infra/local/ecdsa-p256.js';
import { type KmsServer, startKmsServer } from '../../infra/local/kms-server.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const flipBit = (b: Uint8Array, index: number) => {
  const copy = Uint8Array.from(b);
  copy[index] = (copy.at(index) ?? 0) ^ 0x01;
  return copy;
};
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('local KMS server', () => {
  let dataDir: string;
  let server: KmsServer;
  let kms: KMSClient;
  const servers: KmsServer[] = [];
  const clients: KMSClient[] = [];

  async function start(): Promise<void> {
    server = await startKmsServer({ dataDir });
    servers.push(server);
    kms = new KMSClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1, // a 500 from a bug should fail the test at once, not be retried
    });
    clients.push(kms);
  }

  async function createKey(description = 'test key'): Promise<string> {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: description }));
    if (!KeyMetadata?.KeyId) throw new Error('CreateKey returned no KeyId');
    return KeyMetadata.KeyId;
  }

  async function createSigningKey(description = 'audit checkpoints'): Promise<string> {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ Description: description, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    if (!KeyMetadata?.KeyId) throw new Error('CreateKey returned no KeyId');
    return KeyMetadata.KeyId;
  }

  const signDigestWith = async (keyId: string, digest: Uint8Array) => {
    const out = await kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    return out.Signature ?? new Uint8Array();
  };
  const verifyDigestWith = (keyId: string, digest: Uint8Array, signature: Uint8Array) =>
    kms.send(
      new VerifyCommand({
        KeyId: keyId,
        Message: digest,
        MessageType: 'DIGEST',
        Signature: signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kms-server-'));
    await start();
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of servers) await s.close().catch(() => {}); // earlier instances were already closed on restart
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a key and an alias, and describes the key by id, alias name, alias ARN and key ARN', async () => {
    // Prepare
    const keyId = await createKey('customer data');

    // Act
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/customers', TargetKeyId: keyId }));
    const byAlias = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/customers' }));
    const arn = byAlias.KeyMetadata?.Arn ?? '';
    const byAliasArn = await kms.send(
      new DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:alias/customers' }),
    );
    const byArn = await kms.send(new DescribeKeyCommand({ KeyId: arn }));
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
    const keys = await kms.send(new ListKeysCommand({}));

    // Assess
    expect(byAlias.KeyMetadata).toMatchObject({
      KeyId: keyId,
      Arn: `arn:aws:kms:us-east-1:000000000000:key/${keyId}`,
      Enabled: true,
      KeyState: 'Enabled',
      Description: 'customer data',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
    expect(byAlias.KeyMetadata?.CreationDate).toBeInstanceOf(Date); // epoch seconds parsed by the SDK
    expect(Math.abs((byAlias.KeyMetadata?.CreationDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(byAliasArn.KeyMetadata?.KeyId).toBe(keyId);
    expect(byArn.KeyMetadata?.KeyId).toBe(keyId);
    expect(aliases.Aliases).toEqual([
      {
        AliasName: 'alias/customers',
        AliasArn: 'arn:aws:kms:us-east-1:000000000000:alias/customers',
        TargetKeyId: keyId,
      },
    ]);
    expect(keys.Keys?.map((k) => k.KeyId)).toContain(keyId);
  });

  it('rejects a taken alias with AlreadyExistsException and a name without alias/ with ValidationException', async () => {
    // Prepare
    const keyId = await createKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId }));

    // Act / Assess
    await expect(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId })),
    ).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    await expect(
      kms.send(new CreateAliasCommand({ AliasName: 'taken', TargetKeyId: keyId })),
    ).rejects.toMatchObject({ name: 'ValidationException', $fault: 'client' });
  });

  it('round-trips Encrypt/Decrypt with an encryption context, without a KeyId on Decrypt', async () => {
    // Prepare
    const keyId = await createKey();
    const context = { tenant: 't-1', purpose: 'pii' };

    // Act
    const enc = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: utf8('hello kms'), EncryptionContext: context }),
    );
    // Same context, different key order: the context is canonicalised before being bound as AAD.
    const dec = await kms.send(
      new DecryptCommand({
        CiphertextBlob: enc.CiphertextBlob,
        EncryptionContext: { purpose: 'pii', tenant: 't-1' },
      }),
    );

    // Assess
    expect(enc.KeyId).toBe(`arn:aws:kms:us-east-1:000000000000:key/${keyId}`);
    expect(dec.KeyId).toBe(enc.KeyId);
    expect(text(dec.Plaintext)).toBe('hello kms');
  });

  it('throws InvalidCiphertextException for a wrong, missing or extra encryption context', async () => {
    // Prepare
    const keyId = await createKey();
    const enc = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: utf8('secret'), EncryptionContext: { tenant: 't-1' } }),
    );
    const plain = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8('secret') }));

    // Act / Assess
    const wrong = kms.send(
      new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { tenant: 't-2' } }),
    );
    await expect(wrong).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(wrong).rejects.toBeInstanceOf(InvalidCiphertextException);
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    await expect(
      kms.send(
        new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob, EncryptionContext: { tenant: 't-1' } }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('throws InvalidCiphertextException for a tampered or truncated blob', async () => {
    // Prepare
    const keyId = await createKey();
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8('secret') }));
    const blob = enc.CiphertextBlob ?? new Uint8Array();
    const tampered = Uint8Array.from(blob);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0x01;

    // Act / Assess
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: tampered }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: blob.subarray(0, 20) })),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
  });

  it('throws IncorrectKeyException when Decrypt names a different key than the one in the blob', async () => {
    // Prepare
    const keyA = await createKey();
    const keyB = await createKey();
    const enc = await kms.send(new EncryptCommand({ KeyId: keyA, Plaintext: utf8('secret') }));

    // Act / Assess
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: keyB })),
    ).rejects.toBeInstanceOf(IncorrectKeyException);
  });

  it('GenerateDataKey returns a 32-byte plaintext key that Decrypt recovers from the blob', async () => {
    // Prepare
    const keyId = await createKey();
    const context = { table: 'customers' };

    // Act
    const dk = await kms.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    const dec = await kms.send(
      new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: context }),
    );
    const small = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 16 }));
    const noPlain = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_128' }),
    );
    const decNoPlain = await kms.send(new DecryptCommand({ CiphertextBlob: noPlain.CiphertextBlob }));
    const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 24 }));

    // Assess
    expect(dk.Plaintext).toHaveLength(32);
    expect(dk.KeyId).toBe(`arn:aws:kms:us-east-1:000000000000:key/${keyId}`);
    expect(Buffer.from(dec.Plaintext ?? []).equals(Buffer.from(dk.Plaintext ?? []))).toBe(true);
    expect(small.Plaintext).toHaveLength(16);
    expect(noPlain).not.toHaveProperty('Plaintext');
    expect(decNoPlain.Plaintext).toHaveLength(16);
    expect(random.Plaintext).toHaveLength(24);
  });

  it('rejects GenerateDataKey without KeySpec or NumberOfBytes with a ValidationException', async () => {
    // Prepare
    const keyId = await createKey();

    // Act
    const error = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId })).catch((e: unknown) => e);

    // Assess: ValidationException is not modelled by KMS, so the SDK raises the base class with that name.
    expect(error).toBeInstanceOf(KMSServiceException);
    expect(error).toMatchObject({ name: 'ValidationException', $fault: 'client' });
  });

  it('stores the rotation flag', async () => {
    // Prepare
    const keyId = await createKey();
    const before = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));

    // Act
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    const after = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));

    // Assess
    expect(before.KeyRotationEnabled).toBe(false);
    expect(after.KeyRotationEnabled).toBe(true);
  });

  it('throws NotFoundException for an unknown key id or alias', async () => {
    // Act / Assess
    await expect(
      kms.send(new EncryptCommand({ KeyId: '00000000-0000-0000-0000-000000000000', Plaintext: utf8('x') })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('answers an operation it does not implement with UnsupportedOperationException', async () => {
    // Act / Assess
    await expect(kms.send(new ListGrantsCommand({ KeyId: 'alias/whatever' }))).rejects.toBeInstanceOf(
      UnsupportedOperationException,
    );
  });

  it('sends errors as HTTP 400 with both __type and x-amzn-ErrorType on the wire', async () => {
    // Prepare: the SDK reads the body __type first for JSON 1.1, so the header needs its own check.
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.CreateGrant' },
      body: '{}',
    };

    // Act
    const res = await fetch(`${server.endpoint}/`, init);

    // Assess
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnsupportedOperationException');
    expect(await res.json()).toMatchObject({ __type: 'UnsupportedOperationException' });
  });

  it('refuses to use a key scheduled for deletion with KMSInvalidStateException', async () => {
    // Prepare
    const keyId = await createKey();
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8('before deletion') }));

    // Act
    const scheduled = await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
    );
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));

    // Assess
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.DeletionDate).toBeInstanceOf(Date);
    expect(described.KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
    await expect(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8('x') }))).rejects.toBeInstanceOf(
      KMSInvalidStateException,
    );
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({
      name: 'KMSInvalidStateException',
    });
  });

  it('counts requests per operation since the last reset', async () => {
    // Prepare
    const keyId = await createKey();
    server.resetStats();

    // Act
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8('a') }));
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8('b') }));
    await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    await kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })).catch(() => {});

    // Assess
    expect(server.stats()).toEqual({ Encrypt: 2, Decrypt: 1, DescribeKey: 1 });
    server.resetStats();
    expect(server.stats()).toEqual({});
  });

  describe('asymmetric signing keys (ECC_NIST_P256, SIGN_VERIFY)', () => {
    it('creates a P-256 signing key and describes it as KMS does', async () => {
      // Act
      const keyId = await createSigningKey();
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));

      // Assess
      expect(KeyMetadata).toMatchObject({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
        KeyState: 'Enabled',
      });
      expect(KeyMetadata).not.toHaveProperty('EncryptionAlgorithms');
    });

    it('round-trips Sign and Verify of a digest, with randomised DER signatures and the key ARN', async () => {
      // Prepare
      const keyId = await createSigningKey();
      const digest = sha256(utf8('checkpoint 1'));

      // Act
      const signed = await kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: digest,
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      const again = await signDigestWith(keyId, digest);
      const verified = await verifyDigestWith(keyId, digest, signed.Signature ?? new Uint8Array());

      // Assess
      expect(signed.KeyId).toBe(`arn:aws:kms:us-east-1:000000000000:key/${keyId}`);
      expect(signed.SigningAlgorithm).toBe('ECDSA_SHA_256');
      expect(decodeDer(signed.Signature ?? new Uint8Array())).toBeDefined(); // SEQUENCE { r, s }
      expect(Buffer.from(again).equals(Buffer.from(signed.Signature ?? []))).toBe(false);
      expect(verified).toMatchObject({
        SignatureValid: true,
        KeyId: signed.KeyId,
        SigningAlgorithm: 'ECDSA_SHA_256',
      });
      expect((await verifyDigestWith(keyId, digest, again)).SignatureValid).toBe(true);
    });

    it('signs a RAW message as the signature of its SHA-256 digest, and verifies either way', async () => {
      // Prepare
      const keyId = await createSigningKey();
      const message = utf8('{"heads":[]}');

      // Act
      const raw = await kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      const asDigest = await verifyDigestWith(keyId, sha256(message), raw.Signature ?? new Uint8Array());
      const fromDigest = await signDigestWith(keyId, sha256(message));
      const asRaw = await kms.send(
        new VerifyCommand({
          KeyId: keyId,
          Message: message, // MessageType omitted: RAW is KMS's default
          Signature: fromDigest,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );

      // Assess
      expect(asDigest.SignatureValid).toBe(true);
      expect(asRaw.SignatureValid).toBe(true);
    });

    it('answers KMSInvalidSignatureException for a changed digest, a changed signature or a foreign one', async () => {
      // Prepare
      const keyId = await createSigningKey();
      const otherKey = await createSigningKey();
      const digest = sha256(utf8('checkpoint 2'));
      const signature = await signDigestWith(keyId, digest);

      // Act
      const changedDigest = verifyDigestWith(keyId, flipBit(digest, 0), signature);
      const changedSignature = verifyDigestWith(keyId, digest, flipBit(signature, signature.length - 1));
      const notDer = verifyDigestWith(keyId, digest, utf8('not a signature'));
      const otherKeys = verifyDigestWith(otherKey, digest, signature);

      // Assess
      await expect(changedDigest).rejects.toBeInstanceOf(KMSInvalidSignatureException);
      await expect(changedDigest).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
      await expect(changedSignature).rejects.toBeInstanceOf(KMSInvalidSignatureException);
      await expect(notDer).rejects.toBeInstanceOf(KMSInvalidSignatureException);
      await expect(otherKeys).rejects.toBeInstanceOf(KMSInvalidSignatureException);
    });

    it("hands out a DER SPKI public key with which anyone verifies KMS's signatures offline (node:crypto)", async () => {
      // Prepare
      const keyId = await createSigningKey();
      const message = utf8('checkpoint 3');
      const signature = await signDigestWith(keyId, sha256(message));

      // Act
      const out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      const publicKey = createPublicKey({
        key: Buffer.from(out.PublicKey ?? []),
        format: 'der',
        type: 'spki',
      });

      // Assess: the auditor needs the public key and the signed content, not KMS.
      expect(out).toMatchObject({
        KeyId: `arn:aws:kms:us-east-1:000000000000:key/${keyId}`,
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
      });
      expect(publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
      expect(verify('sha256', utf8('checkpoint 4'), publicKey, signature)).toBe(false);
      expect(verify('sha256', message, publicKey, flipBit(signature, signature.length - 1))).toBe(false);
    });

    it('computes ECDSA over a given digest exactly as OpenSSL does, both ways', () => {
      // Prepare: DIGEST mode cannot use node:crypto (it always hashes), so check the BigInt code against it.
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });

      for (let i = 0; i < 8; i++) {
        // Act
        const message = utf8(`message ${i}`);
        const ours = signDigest(pkcs8, sha256(message));
        const openssl = sign('sha256', message, privateKey);

        // Assess
        expect(verify('sha256', message, publicKey, ours)).toBe(true);
        expect(verifyDigest(pkcs8, sha256(message), openssl)).toBe(true);
        expect(verifyDigest(pkcs8, flipBit(sha256(message), 31), openssl)).toBe(false);
      }
    });

    it('refuses the wrong key usage with InvalidKeyUsageException, as KMS does', async () => {
      // Prepare
      const signingKey = await createSigningKey();
      const symmetricKey = await createKey();
      const digest = sha256(utf8('x'));

      // Act / Assess
      await expect(signDigestWith(symmetricKey, digest)).rejects.toBeInstanceOf(InvalidKeyUsageException);
      await expect(
        verifyDigestWith(symmetricKey, digest, await signDigestWith(signingKey, digest)),
      ).rejects.toBeInstanceOf(InvalidKeyUsageException);
      await expect(
        kms.send(new EncryptCommand({ KeyId: signingKey, Plaintext: utf8('x') })),
      ).rejects.toMatchObject({
        name: 'InvalidKeyUsageException',
        message: expect.stringContaining('key usage is SIGN_VERIFY which is not valid for Encrypt'),
      });
      await expect(
        kms.send(new GenerateDataKeyCommand({ KeyId: signingKey, KeySpec: 'AES_256' })),
      ).rejects.toBeInstanceOf(InvalidKeyUsageException);
      await expect(
        kms.send(
          new SignCommand({
            KeyId: signingKey,
            Message: digest,
            MessageType: 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_384', // a real algorithm, not this key's
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidKeyUsageException);
      await expect(kms.send(new GetPublicKeyCommand({ KeyId: symmetricKey }))).rejects.toBeInstanceOf(
        UnsupportedOperationException,
      );
      await expect(kms.send(new EnableKeyRotationCommand({ KeyId: signingKey }))).rejects.toBeInstanceOf(
        UnsupportedOperationException,
      );
      expect(
        (await kms.send(new GetKeyRotationStatusCommand({ KeyId: signingKey }))).KeyRotationEnabled,
      ).toBe(false);
    });

    it('validates sizes like KMS: RAW up to 4096 bytes, DIGEST exactly 32, P-256 only with SIGN_VERIFY', async () => {
      // Prepare
      const keyId = await createSigningKey();
      const rawSign = (message: Uint8Array) =>
        kms.send(
          new SignCommand({
            KeyId: keyId,
            Message: message,
            MessageType: 'RAW',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        );

      // Act / Assess
      expect((await rawSign(new Uint8Array(4096).fill(7))).Signature?.length).toBeGreaterThan(0);
      await expect(rawSign(new Uint8Array(4097).fill(7))).rejects.toMatchObject({
        name: 'ValidationException',
        $fault: 'client',
      });
      await expect(signDigestWith(keyId, new Uint8Array(31))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Digest is invalid length for algorithm ECDSA_SHA_256.',
      });
      // KeyUsage defaults to ENCRYPT_DECRYPT, which an elliptic-curve key cannot have.
      await expect(kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256' }))).rejects.toMatchObject({
        name: 'ValidationException',
      });
    });
  });

  it('keeps keys and aliases across a restart on the same dataDir, in a 0600 file written atomically', async () => {
    // Prepare
    const keyId = await createKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/survivor', TargetKeyId: keyId }));
    const enc = await kms.send(
      new EncryptCommand({
        KeyId: 'alias/survivor',
        Plaintext: utf8('persisted'),
        EncryptionContext: { a: 'b' },
      }),
    );

    // Act
    await server.close();
    await start();
    const dec = await kms.send(
      new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'b' } }),
    );
    const described = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/survivor' }));

    // Assess
    expect(text(dec.Plaintext)).toBe('persisted');
    expect(described.KeyMetadata?.KeyId).toBe(keyId);
    expect(server.stats()).toEqual({ Decrypt: 1, DescribeKey: 1 }); // fresh counters for the new instance
    const files = await readdir(dataDir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const [storeFile] = files;
    expect(files).toHaveLength(1);
    if (process.platform !== 'win32') {
      expect((await stat(join(dataDir, storeFile ?? ''))).mode & 0o777).toBe(0o600);
    }
  });
  it('keeps a signing key across a restart: old signatures verify, the public key is unchanged', async () => {
    // Prepare
    const keyId = await createSigningKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/audit-signing', TargetKeyId: keyId }));
    const digest = sha256(utf8('before restart'));
    const signature = await signDigestWith('alias/audit-signing', digest);
    const before = await kms.send(new GetPublicKeyCommand({ KeyId: 'alias/audit-signing' }));

    // Act
    await server.close();
    await start();
    const verified = await verifyDigestWith('alias/audit-signing', digest, signature);
    const after = await kms.send(new GetPublicKeyCommand({ KeyId: 'alias/audit-signing' }));

    // Assess: the private key was persisted with the other key material, in the 0600 store.
    expect(verified.SignatureValid).toBe(true);
    expect(Buffer.from(after.PublicKey ?? []).equals(Buffer.from(before.PublicKey ?? []))).toBe(true);
    const [storeFile = ''] = await readdir(dataDir);
    const stored = JSON.parse(await readFile(join(dataDir, storeFile), 'utf8'));
    expect(stored.keys[keyId]).toMatchObject({ spec: 'ECC_NIST_P256', material: expect.any(String) });
    if (process.platform !== 'win32') {
      expect((await stat(join(dataDir, storeFile))).mode & 0o777).toBe(0o600);
    }
  });
});
