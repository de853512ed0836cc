import type { IndexSpec } from '../manifest-types.js';

/**
 * DynamoDB write billing as AWS documents it ("Capacity unit consumption for write operations" and
 * "Provisioned throughput considerations for global secondary indexes" in the developer guide),
 * from an item as it was before a write and as it is after. Pure, so the rules are unit-tested
 * against AWS's own examples; the metering proxy feeds it the items it reads around each write.
 */

/** An item in DynamoDB's wire format (`{ name: { S: '…' } }`). */
export type WireItem = Record<string, unknown>;

/** A table's key attributes and its global secondary indexes. */
export interface TableShape {
  keys: readonly string[];
  indexes: Readonly<Record<string, IndexSpec>>;
}

export interface WriteUnits {
  table: number;
  /** Per index name: its write units (0 when the write left the index untouched). */
  indexes: Record<string, number>;
}

/** DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~1 byte per 2 digits). */
export function itemSize(item: WireItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: unknown): number {
  const [type, v] = Object.entries(value as WireItem)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N':
      return Math.ceil(String(v).replace(/^-|\./g, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'SS':
    case 'NS':
    case 'BS':
      return (v as unknown[]).reduce<number>((a, x) => a + valueSize({ [type.slice(0, 1)]: x }), 0);
    case 'L':
      return 3 + (v as unknown[]).reduce<number>((a, x) => a + 1 + valueSize(x), 0);
    case 'M':
      return 3 + Object.values(v as WireItem).length + itemSize(v as WireItem);
    default:
      return 1;
  }
}

/** Started kilobytes, at least one: a write of any size costs one unit per started KB. */
const kilobytes = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/**
 * Units of one item written (`factor` 2 inside TransactWriteItems). `before` is the item as stored
 * before the write (absent if none), `after` as stored after it (absent once deleted; equal to
 * `before` when a condition refused the write, with `proposedBytes` the size of the item it
 * proposed, when known). The table is billed by the larger of the sizes. Each index is billed by the size of its projected entry: one write when the item enters or
 * leaves the index or changes only projected values, two when an index key changes (the old entry
 * deleted, the new one put), none when the item is in neither or its entry is unchanged.
 * Index writes are not doubled in a transaction: AWS keeps indexes up to date asynchronously,
 * outside the transaction.
 */
export function itemWriteUnits(
  shape: TableShape,
  before: WireItem | undefined,
  after: WireItem | undefined,
  factor: 1 | 2 = 1,
  proposedBytes = 0,
): WriteUnits {
  const sizes = [before ? itemSize(before) : 0, after ? itemSize(after) : 0, proposedBytes];
  const table = kilobytes(Math.max(...sizes)) * factor;
  const indexes: Record<string, number> = {};
  for (const [name, index] of Object.entries(shape.indexes)) {
    const old = before && indexEntry(shape, index, before);
    const now = after && indexEntry(shape, index, after);
    const indexKeys = [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
    let units = 0;
    if (old && now) {
      const keyChanged = indexKeys.some((k) => canonical(old[k]) !== canonical(now[k]));
      if (keyChanged) units = kilobytes(itemSize(old)) + kilobytes(itemSize(now));
      else if (canonical(old) !== canonical(now)) units = kilobytes(Math.max(itemSize(old), itemSize(now)));
    } else if (old || now) units = kilobytes(itemSize((old ?? now) as WireItem));
    indexes[name] = units;
  }
  return { table, indexes };
}

/** The entry an item has in an index (table keys, index keys, projected attributes), if any. */
export function indexEntry(shape: TableShape, index: IndexSpec, item: WireItem): WireItem | undefined {
  if (item[index.partitionKey] === undefined) return undefined;
  if (index.sortKey && item[index.sortKey] === undefined) return undefined;
  if (!index.project) return item;
  const names = new Set([
    ...shape.keys,
    index.partitionKey,
    ...(index.sortKey ? [index.sortKey] : []),
    ...index.project,
  ]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

/** Attribute values compared regardless of map key order and set order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(
      entries.map(([k, x]) => [k, ['SS', 'NS', 'BS'].includes(k) && Array.isArray(x) ? [...x].sort() : x]),
    );
  });
}
