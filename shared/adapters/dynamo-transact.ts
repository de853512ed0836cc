import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditChainWriter } from './audit-chain-writer.js';

/** A Put (usually conditional), as it appears inside TransactWriteItems. */
export interface ConditionalPut {
  TableName: string;
  Item: Record<string, unknown>;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** A Delete (usually conditional), as it appears inside TransactWriteItems. */
export interface ConditionalDelete {
  TableName: string;
  Key: Record<string, unknown>;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * Counters to add to an item (negative to take away), with no condition. The counter adds of one
 * transaction that name the same item are merged into one UpdateItem (a transaction may touch an
 * item only once), and counters that cancel out are not sent.
 */
export interface CounterAdd {
  TableName: string;
  Key: Record<string, unknown>;
  add: ReadonlyMap<string, number>;
}

export type UnitItem = ConditionalPut | ConditionalDelete | CounterAdd;

const isCounterAdd = (item: UnitItem): item is CounterAdd => 'add' in item;

/** Per unit: written, or refused by a condition (with the existing item of each refused item, if any). */
export type UnitOutcome =
  | { written: true }
  | { written: false; existing: (Record<string, unknown> | undefined)[] };

/** The outcomes known when a call failed part way (undefined: not known), by the error it threw. */
const partialOutcomes = new WeakMap<object, (UnitOutcome | undefined)[]>();

/**
 * What a failed `transactUnits` call had settled before it failed: the units written and those
 * refused by their condition (the rest unknown), so a caller can finish what depends on them.
 */
export const outcomesBeforeFailure = (error: unknown): readonly (UnitOutcome | undefined)[] | undefined =>
  typeof error === 'object' && error !== null ? partialOutcomes.get(error) : undefined;

const maxItemsPerTransaction = 100;
const maxAttempts = 6;
/** Exponential backoff before the next attempt, the same for transactions and single puts. */
const backOff = (attempt: number) => new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
/** Conditional single-item writes in flight at once per call (the SDK retries throttling itself). */
const singleWriteConcurrency = 16;

/**
 * Writes many all-or-nothing units (e.g. an assignment and its audit record). A unit of one item
 * goes out as a conditional PutItem or DeleteItem: just as all-or-nothing, and half the price,
 * since DynamoDB bills every item written in a transaction twice. Units of several items (and
 * audit records, which must be linked into the chain with its head) go out in as few
 * TransactWriteItems calls as possible. DynamoDB cancels a whole transaction when one condition
 * fails; the cancellation reasons say which, so those units are reported as refused and the rest
 * are written in the next call. Conditions make every unit idempotent, so retrying is safe.
 * One call per ~50-100 items instead of one per item is what keeps ingestion fast.
 * With `chain`, audit records are linked into the container's hash chain in the same transaction.
 */
export async function transactUnits(
  doc: DynamoDBDocumentClient,
  units: readonly UnitItem[][],
  chain?: AuditChainWriter,
): Promise<UnitOutcome[]> {
  const outcomes: (UnitOutcome | undefined)[] = units.map(() => undefined);
  try {
    return await writeUnits(doc, units, outcomes, chain);
  } catch (error) {
    if (typeof error === 'object' && error !== null) partialOutcomes.set(error, [...outcomes]);
    throw error;
  }
}

async function writeUnits(
  doc: DynamoDBDocumentClient,
  units: readonly UnitItem[][],
  outcomes: (UnitOutcome | undefined)[],
  chain?: AuditChainWriter,
): Promise<UnitOutcome[]> {
  const isSingle = (unit: readonly UnitItem[]) =>
    unit.length === 1 &&
    !isCounterAdd(unit[0] as UnitItem) &&
    !(chain && unit.some((u) => 'Item' in u && u.TableName === chain.tableName));
  const singles = units.flatMap((u, i) => (isSingle(u) ? [i] : []));
  await writeSingles(doc, singles, units, outcomes);
  let pending = units.flatMap((u, i) => (isSingle(u) ? [] : [i]));
  // The chain's head item rides along in every transaction that carries audit records.
  const capacity = maxItemsPerTransaction - (chain ? 1 : 0);
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= maxAttempts)
      throw new Error(`TransactWriteItems kept failing for ${pending.length} unit(s)`);
    if (attempt > 0) await backOff(attempt);
    const retry: number[] = [];
    for (const group of packGroups(pending, units, capacity)) {
      const all = group.flatMap((u) => (units[u] as UnitItem[]).map((put) => ({ unit: u, put })));
      // Counter updates go last, after the chain head: cancellation reasons index the rest as sent.
      const items = all.filter(({ put }) => !isCounterAdd(put));
      const counters = mergedCounterUpdates(all.flatMap(({ put }) => (isCounterAdd(put) ? [put] : [])));
      const send = (linked: readonly UnitItem[], extra: readonly UnitItem[] = []) =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [...[...linked, ...extra].map(transactItem), ...counters],
          }),
        );
      try {
        const plain = items.map(({ put }) => put);
        const carriesAudit = chain && plain.some((p) => 'Item' in p && p.TableName === chain.tableName);
        if (chain && carriesAudit) await chain.write(plain, (linked, head) => send(linked, [head]));
        else await send(plain);
        for (const u of group) outcomes[u] = { written: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const refused = new Map<number, (Record<string, unknown> | undefined)[]>();
        items.forEach(({ unit, put }, i) => {
          const reason = reasons[i];
          if (reason?.Code !== 'ConditionalCheckFailed') return;
          const existing = refused.get(unit) ?? (units[unit] as UnitItem[]).map(() => undefined);
          const index = (units[unit] as UnitItem[]).indexOf(put);
          existing[index] = reason.Item ? unmarshall(reason.Item as never) : {};
          refused.set(unit, existing);
        });
        for (const u of group) {
          const existing = refused.get(u);
          if (existing) outcomes[u] = { written: false, existing };
          else retry.push(u);
        }
      }
    }
    pending = retry;
  }
  return outcomes as UnitOutcome[];
}

/**
 * Conditional single-item writes, a bounded number in flight; a refused condition returns the
 * item. A write that collides with a transaction in progress on the same item is retried as the
 * transactional path retries it. After any other failure no new write starts, and the error is
 * thrown only once the writes in flight have settled: nothing keeps writing after the caller has
 * been told the call failed (and may be cleaning up).
 */
async function writeSingles(
  doc: DynamoDBDocumentClient,
  indexes: readonly number[],
  units: readonly UnitItem[][],
  outcomes: (UnitOutcome | undefined)[],
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const send = (item: UnitItem) =>
    'Item' in item
      ? doc.send(new PutCommand({ ...item, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }))
      : doc.send(new DeleteCommand({ ...item, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
  const writeOne = async (u: number) => {
    const item = (units[u] as UnitItem[])[0] as UnitItem;
    for (let attempt = 1; ; attempt++) {
      try {
        await send(item);
        outcomes[u] = { written: true };
        return;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          outcomes[u] = { written: false, existing: [error.Item ? unmarshall(error.Item as never) : {}] };
          return;
        }
        if (!(error instanceof TransactionConflictException) || attempt >= maxAttempts) throw error;
        await backOff(attempt);
      }
    }
  };
  const worker = async () => {
    while (!failure && next < indexes.length) {
      try {
        await writeOne(indexes[next++] as number);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(singleWriteConcurrency, indexes.length) }, worker));
  if (failure) throw failure.error;
}

/** Counters of one transaction per item, as UpdateItems (`ADD`, creating the item if need be). */
function mergedCounterUpdates(adds: readonly CounterAdd[]) {
  const byItem = new Map<string, { add: CounterAdd; counters: Map<string, number> }>();
  for (const add of adds) {
    const id = `${add.TableName}\u0000${JSON.stringify(add.Key)}`;
    const entry = byItem.get(id) ?? { add, counters: new Map<string, number>() };
    for (const [name, n] of add.add) entry.counters.set(name, (entry.counters.get(name) ?? 0) + n);
    byItem.set(id, entry);
  }
  return [...byItem.values()].flatMap(({ add, counters }) => {
    const nonZero = [...counters].filter(([, n]) => n !== 0);
    if (nonZero.length === 0) return [];
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const clauses = nonZero.map(([name, n], i) => {
      names[`#c${i}`] = name;
      values[`:n${i}`] = n;
      return `#c${i} :n${i}`;
    });
    return [
      {
        Update: {
          TableName: add.TableName,
          Key: add.Key,
          UpdateExpression: `ADD ${clauses.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
  });
}

function transactItem(item: UnitItem) {
  if (isCounterAdd(item)) throw new Error('Counter adds are merged, never sent as they are');
  return 'Item' in item
    ? { Put: { ...item, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } }
    : { Delete: { ...item, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } };
}

/**
 * An UpdateExpression holds at most 4 KB: about 300 `#cN :nN` clauses. Counted per unit before
 * merging, so a group's merged updates always fit.
 */
const maxCountersPerTransaction = 250;

function packGroups(pending: number[], units: readonly UnitItem[][], capacity: number): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let size = 0;
  let counters = 0;
  for (const u of pending) {
    const unit = units[u] as UnitItem[];
    const n = unit.length;
    const c = unit.reduce((k, item) => k + (isCounterAdd(item) ? item.add.size : 0), 0);
    if ((size + n > capacity || counters + c > maxCountersPerTransaction) && current.length > 0) {
      groups.push(current);
      current = [];
      size = 0;
      counters = 0;
    }
    current.push(u);
    size += n;
    counters += c;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
