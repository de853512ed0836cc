/** Signs audit-trail checkpoints with an asymmetric key (KMS in production and locally). */
export interface CheckpointSigner {
  /** Signs a SHA-256 digest (32 bytes). */
  sign(digest: Uint8Array): Promise<{ signature: string; keyId: string; algorithm: 'ECDSA_SHA_256' }>;
  /** true when `signature` is a valid signature of `digest` by `keyId`; false when it is not. */
  verify(digest: Uint8Array, signature: string, keyId: string): Promise<boolean>;
}
