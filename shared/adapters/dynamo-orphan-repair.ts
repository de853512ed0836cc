import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DirectoryEntry, OrphanRepair } from '../domain/ingestion/reconcile.js';
import { batchGet } from './dynamo-batch.js';

/** What the reconciler reads and removes across the directory, the subject keys and the profiles. */
export class DynamoOrphanRepair implements OrphanRepair {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { subjectIndex: string; subjectKeys: string; profiles: string },
  ) {}

  entries(lookups: readonly string[]): Promise<DirectoryEntry[]> {
    return batchGet<DirectoryEntry>(this.doc, this.tables.subjectIndex, 'lookup', lookups, true);
  }

  async accepted(pseudonyms: readonly string[]): Promise<Set<string>> {
    const found = await batchGet<{ pseudonym: string }>(
      this.doc,
      this.tables.profiles,
      'pseudonym',
      pseudonyms,
      true,
      { expression: 'pseudonym' },
    );
    return new Set(found.map((p) => p.pseudonym));
  }

  async removeUnaccepted(entry: { lookup: string; pseudonym: string }): Promise<boolean> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tables.profiles,
                Key: { pseudonym: entry.pseudonym },
                ConditionExpression: 'attribute_not_exists(pseudonym)',
              },
            },
            { Delete: { TableName: this.tables.subjectKeys, Key: { pseudonym: entry.pseudonym } } },
            {
              Delete: {
                TableName: this.tables.subjectIndex,
                Key: { lookup: entry.lookup },
                // The entry of this pseudonym only, not one a later ingest of the same id created.
                ConditionExpression: 'pseudonym = :p',
                ExpressionAttributeValues: { ':p': entry.pseudonym },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }
}
