import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  InvalidKeyUsageException,
  KMSClient,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KmsServer, startKmsServer } from '../../infra/local/kms-server.js';
import { KmsCheckpointSigner } from '../../shared/adapters/kms-checkpoint-signer.js';

const digestOf = (text: string) => createHash('sha256').update(text).digest();

describe('KmsCheckpointSigner against the local KMS endpoint', () => {
  let dataDir: string;
  let server: KmsServer;
  let kms: KMSClient;

  async function createKey(alias: string, signing: boolean): Promise<string> {
    const type = signing ? ({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } as const) : {};
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(type));
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata?.KeyId }));
    return KeyMetadata?.Arn ?? '';
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kms-signer-'));
    server = await startKmsServer({ dataDir });
    kms = new KMSClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    kms.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs a digest (base64 DER, key ARN) and verifies it; a changed digest or signature is false', async () => {
    // Prepare
    const arn = await createKey('alias/audit-signing-a', true);
    const signer = new KmsCheckpointSigner(kms, 'alias/audit-signing-a');
    const digest = digestOf('checkpoint');

    // Act
    const signed = await signer.sign(digest);
    const bytes = Buffer.from(signed.signature, 'base64');
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0x01;

    // Assess
    expect(signed).toMatchObject({ keyId: arn, algorithm: 'ECDSA_SHA_256' });
    expect(bytes[0]).toBe(0x30); // DER SEQUENCE
    expect(await signer.verify(digest, signed.signature, signed.keyId)).toBe(true);
    expect(await signer.verify(digestOf('checkpoint, edited'), signed.signature, signed.keyId)).toBe(false);
    expect(await signer.verify(digest, tampered.toString('base64'), signed.keyId)).toBe(false);
    expect(await signer.verify(digest, '', signed.keyId)).toBe(false);
  });

  it('trusts only its own key: a valid signature by another key is false', async () => {
    // Prepare
    await createKey('alias/audit-signing-b', true);
    await createKey('alias/forger', true);
    const signer = new KmsCheckpointSigner(kms, 'alias/audit-signing-b');
    const forger = new KmsCheckpointSigner(kms, 'alias/forger');
    const digest = digestOf('forged checkpoint');

    // Act
    const forged = await forger.sign(digest);

    // Assess
    expect(await forger.verify(digest, forged.signature, forged.keyId)).toBe(true);
    expect(await signer.verify(digest, forged.signature, forged.keyId)).toBe(false);
  });

  it('lets KMS failures other than a bad signature through, and refuses a digest that is not 32 bytes', async () => {
    // Prepare
    await createKey('alias/not-for-signing', false);
    const misconfigured = new KmsCheckpointSigner(kms, 'alias/not-for-signing');
    const signer = new KmsCheckpointSigner(kms, 'alias/audit-signing-a');

    // Act / Assess
    await expect(misconfigured.sign(digestOf('x'))).rejects.toBeInstanceOf(InvalidKeyUsageException);
    await expect(signer.sign(new Uint8Array(31))).rejects.toBeInstanceOf(RangeError);
  });
});
