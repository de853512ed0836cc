import {
  GetPublicKeyCommand,
  type KMSClient,
  KMSInvalidSignatureException,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import type { CheckpointSigner } from '../domain/audit-trail/signer.js';

const ALGORITHM = 'ECDSA_SHA_256';
const DIGEST_BYTES = 32;

function checkDigest(digest: Uint8Array): void {
  if (digest.length !== DIGEST_BYTES) throw new RangeError(`A checkpoint digest is ${DIGEST_BYTES} bytes`);
}

/**
 * Checkpoint signatures by the audit-signing KMS key (ECC_NIST_P256). The domain hashes, KMS signs the
 * digest (MessageType DIGEST), so checkpoints of any size cost one small request. Signatures are base64
 * DER: an auditor checks them offline with the key's public half (GetPublicKey) and the checkpoint content.
 */
export class KmsCheckpointSigner implements CheckpointSigner {
  private keyArn: Promise<string> | undefined;

  /** `keyId`: the signing key (ARN on AWS, alias locally), from KEY_AUDIT_SIGNING_ID. */
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async sign(digest: Uint8Array) {
    checkDigest(digest);
    const out = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: ALGORITHM,
      }),
    );
    if (!out.Signature || !out.KeyId) throw new Error('KMS Sign returned no signature');
    // The ARN KMS answers with, not the alias: it names the key even if the alias later moves.
    return {
      signature: Buffer.from(out.Signature).toString('base64'),
      keyId: out.KeyId,
      algorithm: ALGORITHM,
    } as const;
  }

  async verify(digest: Uint8Array, signature: string, keyId: string): Promise<boolean> {
    checkDigest(digest);
    // Only our own key counts: a checkpoint naming another key (a forger's, say) is not "valid by keyId".
    // On AWS IAM would refuse kms:Verify on it anyway; locally nothing would.
    if (keyId !== (await this.ownKeyArn())) return false;
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length === 0) return false;
    try {
      const out = await this.kms.send(
        new VerifyCommand({
          KeyId: keyId,
          Message: digest,
          MessageType: 'DIGEST',
          Signature: bytes,
          SigningAlgorithm: ALGORITHM,
        }),
      );
      return out.SignatureValid === true;
    } catch (error) {
      // KMS reports a bad signature as this error, never as SignatureValid: false.
      if (error instanceof KMSInvalidSignatureException) return false;
      throw error;
    }
  }

  /** Resolved once per container; kms:GetPublicKey comes with both the 'sign' and 'verify' grants. */
  private ownKeyArn(): Promise<string> {
    if (!this.keyArn) {
      const lookup = this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId })).then((out) => {
        if (!out.KeyId) throw new Error('KMS GetPublicKey returned no key id');
        return out.KeyId;
      });
      // A failed look-up is retried on the next call, not cached.
      lookup.catch(() => {
        if (this.keyArn === lookup) this.keyArn = undefined;
      });
      this.keyArn = lookup;
    }
    return this.keyArn;
  }
}
