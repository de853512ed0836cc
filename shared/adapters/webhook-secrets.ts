import { randomBytes, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SealedBox } from '../domain/crypto/envelope.js';
import type { KmsKeyService } from './kms-key-service.js';

interface StoredSecret {
  id: string;
  createdAt: string;
  kekRef: string;
  box: SealedBox;
}

interface SecretsItem {
  keyRef: string;
  secrets: StoredSecret[];
  revision: number;
}

const minRefreshIntervalMs = 5_000;
const context = (provider: string, id: string) => `riskloop:webhook-secret:${provider}:${id}`;

/**
 * Standard Webhooks secrets per survey provider, kept in the keyring table sealed under the
 * key-encryption key (so no secret is ever stored or configured in clear). Rotation adds a new
 * secret and keeps the newest `keep` active, so senders can switch without a gap.
 */
export class WebhookSecrets {
  private readonly cache = new Map<string, { secrets: string[]; expiresAt: number }>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly keyringTable: string,
    private readonly keys: Pick<KmsKeyService, 'sealWithKek' | 'openWithKek'>,
    private readonly cacheTtlMs = 60_000,
  ) {}

  async active(provider: string, options: { refresh?: boolean } = {}): Promise<string[]> {
    const cached = this.cache.get(provider);
    // A refresh is honoured at most once per few seconds: bad signatures must not turn into a
    // DynamoDB and KMS request each (a cheap amplification for anyone posting garbage).
    const fresh = cached && Date.now() - (cached.expiresAt - this.cacheTtlMs) < minRefreshIntervalMs;
    if (cached && cached.expiresAt > Date.now() && (!options.refresh || fresh)) return cached.secrets;
    const item = await this.read(provider);
    const secrets = await Promise.all(
      (item?.secrets ?? []).map(async (s) => {
        const raw = await this.keys.openWithKek(s.kekRef, s.box, context(provider, s.id));
        return `whsec_${raw.toString('base64')}`;
      }),
    );
    this.cache.set(provider, { secrets, expiresAt: Date.now() + this.cacheTtlMs });
    return secrets;
  }

  /** Creates a new secret for `provider` (shown once to the caller) and retires all but the newest `keep`. */
  async rotate(provider: string, keep = 2): Promise<{ id: string; secret: string; active: number }> {
    const raw = randomBytes(32);
    const id = randomUUID();
    const { kekRef, box } = await this.keys.sealWithKek(raw, context(provider, id));
    const current = await this.read(provider);
    const secrets = [
      { id, createdAt: new Date().toISOString(), kekRef, box },
      ...(current?.secrets ?? []),
    ].slice(0, keep);
    await this.doc.send(
      new PutCommand({
        TableName: this.keyringTable,
        Item: { keyRef: `webhook#${provider}`, secrets, revision: (current?.revision ?? 0) + 1 },
        // Two rotations at once must not silently drop one of the new secrets.
        ConditionExpression: current ? 'revision = :r' : 'attribute_not_exists(keyRef)',
        ...(current ? { ExpressionAttributeValues: { ':r': current.revision } } : {}),
      }),
    );
    this.cache.delete(provider);
    return { id, secret: `whsec_${raw.toString('base64')}`, active: secrets.length };
  }

  /** How many times the provider's secrets were rotated: what a four-eyes rotation request re-checks. */
  async revision(provider: string): Promise<number> {
    return (await this.read(provider))?.revision ?? 0;
  }

  private async read(provider: string): Promise<SecretsItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.keyringTable,
        Key: { keyRef: `webhook#${provider}` },
        ConsistentRead: true,
      }),
    );
    return out.Item as SecretsItem | undefined;
  }
}
