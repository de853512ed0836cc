import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NewSubject, SubjectDirectory } from '../domain/privacy/subject-directory.js';
import { batchGet } from './dynamo-batch.js';
import { transactUnits } from './dynamo-transact.js';

interface DirectoryItem {
  lookup: string;
  salt: string;
  /** Absent on entries created before it was kept. */
  pseudonym?: string;
  createdAt: string;
}

/**
 * The subject directory in DynamoDB (table `subjectIndex`, key `lookup`). Reads are strongly
 * consistent: a subject created by a concurrent request must be seen, or it would be split in two.
 * It has no delete path: only the privacy eraser removes entries.
 */
export class DynamoSubjectDirectory implements SubjectDirectory {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async saltsOf(lookups: readonly string[]): Promise<Map<string, string>> {
    const items = await batchGet<DirectoryItem>(this.doc, this.tableName, 'lookup', lookups, true);
    return new Map(items.map((i) => [i.lookup, i.salt]));
  }

  async create(entries: readonly NewSubject[], now: Date): Promise<Map<string, string>> {
    const createdAt = now.toISOString();
    const outcomes = await transactUnits(
      this.doc,
      entries.map((e) => [
        {
          TableName: this.tableName,
          Item: { lookup: e.lookup, salt: e.salt, pseudonym: e.pseudonym, createdAt } satisfies DirectoryItem,
          ConditionExpression: 'attribute_not_exists(#lookup)',
          ExpressionAttributeNames: { '#lookup': 'lookup' },
        },
      ]),
    );
    const salts = new Map<string, string>();
    entries.forEach((e, i) => {
      const outcome = outcomes[i];
      // Lost the race: the winner's salt is the subject's, or one customer would get two pseudonyms.
      const winner =
        outcome && !outcome.written ? (outcome.existing[0] as DirectoryItem | undefined)?.salt : e.salt;
      if (winner) salts.set(e.lookup, winner);
    });
    return salts;
  }
}
