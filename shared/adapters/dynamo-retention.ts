import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RetentionProfile, RetentionStamp, RetentionStore } from '../domain/privacy/retention.js';
import { batchGet, parallelScan, queryAll } from './dynamo-batch.js';

/**
 * The TTL attribute of the subject's tables (`ttlAttribute` in infra/manifest.ts). Not `expiresAt`:
 * on overrides that already names the pin's expiry, an ISO date that must not become a TTL.
 */
export const retentionTtlAttribute = 'retainUntil';

export interface RetentionTables {
  profiles: string;
  subjectKeys: string;
  subjectIndex: string;
  assignments: string;
  overrides: string;
  outcomes: string;
  /** Its TTL attribute is `expiresAt` (two years after the response): the backstop only brings it forward. */
  feedback: string;
}

type Key = Record<string, string>;

/** One item to write: its key, and the TTL it must carry (undefined: none). */
interface Change {
  table: string;
  key: Key;
  attribute: string;
  value: number | undefined;
}

/** Parallel UpdateItem calls in flight: enough to hide latency, few enough to share table capacity. */
const writeConcurrency = 16;

/**
 * The retention view of DynamoDB. Subjects are found by parallel scans that filter and project on
 * the server, items of one subject by batched reads (single-item tables) or one projected Query per
 * subject (outcomes, feedback: DynamoDB has no batched Query). Writes are UpdateItems conditional on
 * the item existing, so a TTL never recreates an item erased meanwhile; items already right are not
 * written at all.
 */
export class DynamoRetentionStore implements RetentionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: RetentionTables,
  ) {}

  endedRelationships(): AsyncIterable<RetentionProfile[]> {
    return parallelScan<RetentionProfile>(this.doc, this.tables.profiles, {
      projection: 'pseudonym, relationshipEndedAt, subjectLookup',
      filter: 'attribute_exists(relationshipEndedAt)',
    });
  }

  async *stampedSubjects(): AsyncIterable<string[]> {
    for await (const page of parallelScan<{ pseudonym: string }>(this.doc, this.tables.subjectKeys, {
      projection: 'pseudonym',
      filter: 'attribute_exists(#ttl)',
      names: { '#ttl': retentionTtlAttribute },
    })) {
      yield page.map((i) => i.pseudonym);
    }
  }

  async relationshipsOf(pseudonyms: readonly string[]): Promise<Map<string, RetentionProfile>> {
    const items = await batchGet<RetentionProfile>(
      this.doc,
      this.tables.profiles,
      'pseudonym',
      pseudonyms,
      true,
      { expression: 'pseudonym, relationshipEndedAt, subjectLookup' },
    );
    return new Map(items.map((p) => [p.pseudonym, p]));
  }

  async segmentsOf(pseudonyms: readonly string[]): Promise<Map<string, string>> {
    const items = await batchGet<{ pseudonym: string; segment: string }>(
      this.doc,
      this.tables.assignments,
      'pseudonym',
      pseudonyms,
      false,
      { expression: 'pseudonym, #segment', names: { '#segment': 'segment' } },
    );
    return new Map(items.map((a) => [a.pseudonym, a.segment]));
  }

  async stamp(stamps: readonly RetentionStamp[]): Promise<number> {
    const target = new Map(stamps.map((s) => [s.pseudonym, s.retainUntil]));
    const changes = await this.changes(stamps, (pseudonym, current, feedback) => {
      const want = target.get(pseudonym);
      if (want === undefined) return 'keep';
      // Feedback keeps its own, usually earlier, expiry: the backstop may only bring it forward.
      if (feedback) return current !== undefined && current <= want ? 'keep' : want;
      return current === want ? 'keep' : want;
    });
    return this.write(changes);
  }

  async unstamp(subjects: readonly { pseudonym: string; lookup: string | undefined }[]): Promise<number> {
    // Feedback's expiresAt is left as it is: it is also the item's own expiry, never more than two years.
    const changes = await this.changes(subjects, (_p, current, feedback) =>
      feedback || current === undefined ? 'keep' : undefined,
    );
    return this.write(changes);
  }

  /** Reads the current TTL of every item of the subjects and keeps the ones `decide` wants changed. */
  private async changes(
    subjects: readonly { pseudonym: string; lookup: string | undefined }[],
    decide: (
      pseudonym: string,
      current: number | undefined,
      feedback: boolean,
    ) => number | undefined | 'keep',
  ): Promise<Change[]> {
    if (subjects.length === 0) return [];
    const pseudonyms = subjects.map((s) => s.pseudonym);
    const lookups = new Map(subjects.flatMap((s) => (s.lookup ? [[s.lookup, s.pseudonym] as const] : [])));
    const { profiles, subjectKeys, assignments, overrides, subjectIndex, feedback } = this.tables;
    const single = await Promise.all(
      [profiles, subjectKeys, assignments, overrides].map(async (table) =>
        (await this.currentTtls(table, 'pseudonym', pseudonyms)).map((i) => ({
          table,
          key: { pseudonym: i.key },
          pseudonym: i.key,
          current: i.ttl,
        })),
      ),
    );
    const directory = (await this.currentTtls(subjectIndex, 'lookup', [...lookups.keys()])).map((i) => ({
      table: subjectIndex,
      key: { lookup: i.key },
      pseudonym: lookups.get(i.key) ?? '',
      current: i.ttl,
    }));
    const partitions = await this.partitions(pseudonyms);
    const changes: Change[] = [];
    for (const item of [...single.flat(), ...directory, ...partitions]) {
      const isFeedback = item.table === feedback;
      const value = decide(item.pseudonym, item.current, isFeedback);
      if (value === 'keep') continue;
      const attribute = isFeedback ? 'expiresAt' : retentionTtlAttribute;
      changes.push({ table: item.table, key: item.key, attribute, value });
    }
    return changes;
  }

  /** The items that exist among `keys`, with their current TTL: one batched, projected read. */
  private async currentTtls(
    table: string,
    keyName: string,
    keys: readonly string[],
  ): Promise<{ key: string; ttl: number | undefined }[]> {
    const items = await batchGet<Record<string, unknown>>(this.doc, table, keyName, keys, false, {
      expression: '#k, #ttl',
      names: { '#k': keyName, '#ttl': retentionTtlAttribute },
    });
    return items.map((i) => ({
      key: String(i[keyName]),
      ttl: i[retentionTtlAttribute] as number | undefined,
    }));
  }

  /** Outcomes and feedback of each subject: one projected Query per subject and table, 16 at a time. */
  private async partitions(pseudonyms: readonly string[]) {
    const specs = [
      { table: this.tables.outcomes, sortKey: 'outcomeId', ttl: retentionTtlAttribute },
      { table: this.tables.feedback, sortKey: 'responseKey', ttl: 'expiresAt' },
    ];
    const jobs = pseudonyms.flatMap((pseudonym) => specs.map((spec) => ({ pseudonym, ...spec })));
    const found: { table: string; key: Key; pseudonym: string; current: number | undefined }[] = [];
    await inParallel(jobs, writeConcurrency, async ({ pseudonym, table, sortKey, ttl }) => {
      const items = await queryAll<Record<string, unknown>>(this.doc, {
        TableName: table,
        KeyConditionExpression: 'pseudonym = :p',
        ExpressionAttributeValues: { ':p': pseudonym },
        ProjectionExpression: '#sk, #ttl',
        ExpressionAttributeNames: { '#sk': sortKey, '#ttl': ttl },
      });
      for (const i of items)
        found.push({
          table,
          key: { pseudonym, [sortKey]: i[sortKey] as string },
          pseudonym,
          current: i[ttl] as number | undefined,
        });
    });
    return found;
  }

  private async write(changes: readonly Change[]): Promise<number> {
    let written = 0;
    await inParallel(changes, writeConcurrency, async ({ table, key, attribute, value }) => {
      const [keyName] = Object.keys(key);
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key,
            UpdateExpression: value === undefined ? 'REMOVE #ttl' : 'SET #ttl = :ttl',
            // Never recreate an item that an erasure (or a lifted pin) removed since it was read.
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#ttl': attribute, '#pk': keyName ?? 'pseudonym' },
            ...(value === undefined ? {} : { ExpressionAttributeValues: { ':ttl': value } }),
          }),
        );
        written++;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
    return written;
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
