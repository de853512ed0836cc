import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
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
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  UnsupportedOperationException,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KmsServer, startKmsServer } from '../../infra/local/kms-server.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
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
});
