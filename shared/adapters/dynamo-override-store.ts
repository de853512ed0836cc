import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, Override, OverrideStore } from '../domain/ports.js';
import { overrideOf } from '../domain/segmentation/pin-shapes.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import { auditPut } from './dynamo-audit-log.js';
import { batchGet } from './dynamo-batch.js';
import { type ConditionalDelete, transactUnits } from './dynamo-transact.js';

/** Pins and their audit records are written together: no pin without its reason on record. */
export class DynamoOverrideStore implements OverrideStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
  ) {}

  async getMany(pseudonyms: readonly string[]): Promise<Map<string, Override>> {
    const items = await batchGet<Record<string, unknown>>(
      this.doc,
      this.tableName,
      'pseudonym',
      pseudonyms,
      true,
    );
    return new Map(items.map((raw) => overrideOf(raw)).map((o) => [o.pseudonym, o]));
  }

  async put(override: Override, audit: AuditEvent): Promise<void> {
    const [outcome] = await transactUnits(
      this.doc,
      [
        [
          // Replacing a pin is allowed (new reason or expiry); the audit trail keeps every version.
          {
            TableName: this.tableName,
            Item: override as unknown as Record<string, unknown>,
            ConditionExpression: 'attribute_not_exists(nothing)',
          },
          auditPut(this.chain().tableName, audit),
        ],
      ],
      this.chain(),
    );
    if (!outcome?.written) throw new Error('Pin was not recorded');
  }

  async remove(pseudonym: string, audit: AuditEvent): Promise<boolean> {
    const [outcome] = await transactUnits(
      this.doc,
      [
        [
          {
            TableName: this.tableName,
            Key: { pseudonym },
            ConditionExpression: 'attribute_exists(pseudonym)',
          } satisfies ConditionalDelete,
          auditPut(this.chain().tableName, audit),
        ],
      ],
      this.chain(),
    );
    return outcome?.written ?? false;
  }

  private chain(): AuditChainWriter {
    if (!this.audit) throw new Error('This function has no audit table: it may not change pins');
    return this.audit;
  }
}
