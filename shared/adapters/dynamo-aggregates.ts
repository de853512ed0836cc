import { randomInt } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AggregateReader,
  type AggregateRebuilder,
  type AggregateSources,
  COUNTER_SHARDS,
  type CountedCase,
  type CounterDelta,
  type Counters,
  type PlacedAssignment,
  type PlacedOutcome,
} from '../domain/insights/aggregates.js';
import { batchGet, parallelScan } from './dynamo-batch.js';
import { type CounterAdd, transactUnits } from './dynamo-transact.js';

const keyOf = (item: string, shard: number) => ({ key: `${item}#${String(shard).padStart(2, '0')}` });
const itemOfKey = (key: string) => key.slice(0, key.lastIndexOf('#'));

/**
 * The aggregates table: `COUNTER_SHARDS` items per aggregate, each a bag of numeric counters.
 * Writers add to the shard of their container (random at start-up), in the transaction of the
 * write the counters describe; readers add the shards up (one BatchGet of 32 keys per aggregate).
 */
export class DynamoAggregates implements AggregateReader, AggregateRebuilder {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly shard: number = randomInt(COUNTER_SHARDS),
  ) {}

  /** The counter adds of `delta`, to ride in the transaction of the write that caused it. */
  adds(delta: CounterDelta): CounterAdd[] {
    return [...delta].map(([item, add]) => ({
      TableName: this.tableName,
      Key: keyOf(item, this.shard),
      add,
    }));
  }

  async read(items: readonly string[]): Promise<Map<string, Counters>> {
    const keys = items.flatMap((item) =>
      Array.from({ length: COUNTER_SHARDS }, (_, s) => keyOf(item, s).key),
    );
    const rows = await batchGet<Record<string, unknown>>(this.doc, this.tableName, 'key', keys, false);
    const out = new Map<string, Counters>(items.map((item) => [item, new Map()]));
    for (const row of rows) {
      const counters = out.get(itemOfKey(String(row.key)));
      if (!counters) continue;
      for (const [name, value] of Object.entries(row)) {
        if (name === 'key' || typeof value !== 'number') continue;
        counters.set(name, (counters.get(name) ?? 0) + value);
      }
    }
    return out;
  }

  /**
   * Writes the totals into shard 0 of each aggregate and deletes every other item. Run it while
   * nothing writes (docs/insights.md): a write between the recount and this would be lost.
   */
  async replaceAll(totals: CounterDelta): Promise<{ items: number; removed: number }> {
    const existing: string[] = [];
    for await (const page of parallelScan<{ key: string }>(this.doc, this.tableName, {
      projection: '#k',
      names: { '#k': 'key' },
    })) {
      for (const row of page) existing.push(String(row.key));
    }
    const written = new Set<string>();
    for (const [item, counters] of totals) {
      const key = keyOf(item, 0);
      written.add(key.key);
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { ...Object.fromEntries(counters), ...key } }),
      );
    }
    const stale = existing.filter((k) => !written.has(k));
    await transactUnits(
      this.doc,
      stale.map((key) => [{ TableName: this.tableName, Key: { key } }]),
    );
    return { items: written.size, removed: stale.length };
  }
}

/** The tables the aggregates count, scanned in parallel segments with only the counted attributes. */
export class DynamoAggregateSources implements AggregateSources {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { assignments: string; outcomes: string; cases: string },
  ) {}

  assignments(): AsyncIterable<PlacedAssignment[]> {
    return parallelScan<PlacedAssignment>(this.doc, this.tables.assignments, {
      projection: '#s, score, reasonCodes',
      names: { '#s': 'segment' },
    });
  }

  outcomes(): AsyncIterable<PlacedOutcome[]> {
    return parallelScan<PlacedOutcome>(this.doc, this.tables.outcomes, {
      projection: 'outcome, #d, placedIn',
      names: { '#d': 'date' },
    });
  }

  cases(): AsyncIterable<CountedCase[]> {
    return parallelScan<CountedCase>(this.doc, this.tables.cases, {
      projection: '#s, #st, openedAt, closedAt',
      names: { '#s': 'segment', '#st': 'status' },
    });
  }
}
