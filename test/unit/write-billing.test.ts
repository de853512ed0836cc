import { describe, expect, it } from 'vitest';
import { itemSize, itemWriteUnits, type TableShape } from '../../infra/local/write-billing.js';

/**
 * The meter's write billing against the examples of AWS's developer guide ("Capacity unit
 * consumption for write operations"; "Provisioned throughput considerations for global secondary
 * indexes"), so a change to the stored shapes can never look cheaper here than on the bill.
 */

/** An item of `bytes` bytes (key `pk` included) with extra attributes. */
const item = (pk: string, bytes: number, extra: Record<string, string> = {}) => {
  const base: Record<string, unknown> = { pk: { S: pk } };
  for (const [k, v] of Object.entries(extra)) base[k] = { S: v };
  const pad = bytes - itemSize(base) - 1;
  if (pad < 0) throw new Error('item too small for its attributes');
  return { ...base, p: { S: 'x'.repeat(pad) } };
};

const plain: TableShape = { keys: ['pk'], indexes: {} };
const indexed: TableShape = {
  keys: ['pk'],
  indexes: {
    all: { partitionKey: 'g' },
    keysAndScore: { partitionKey: 'g', sortKey: 'at', project: ['score'] },
  },
};

describe('write billing as AWS documents it', () => {
  it('sizes items as DynamoDB does: names plus values', () => {
    expect(itemSize({ pk: { S: 'abc' } })).toBe(5);
    expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSize({ m: { M: { a: { S: 'xy' } } } })).toBe(1 + 3 + 1 + 3);
    expect(itemSize(item('a', 1500))).toBe(1500);
  });

  it('rounds each item up to the next KB: a 500-byte item costs 1, a 3.5 KB item 4 (together 5, not 4)', () => {
    const small = itemWriteUnits(plain, undefined, item('a', 500));
    const large = itemWriteUnits(plain, undefined, item('b', 3584));
    expect([small.table, large.table, small.table + large.table]).toEqual([1, 4, 5]);
  });

  it('bills an update by the larger of the item before and after, however little it changes', () => {
    expect(itemWriteUnits(plain, item('a', 3584), item('a', 500)).table).toBe(4);
    expect(itemWriteUnits(plain, item('a', 500), item('a', 2100)).table).toBe(3);
  });

  it('bills a put over an existing item by the larger of the two, a delete by the deleted item', () => {
    expect(itemWriteUnits(plain, item('a', 2500), item('a', 100)).table).toBe(3);
    expect(itemWriteUnits(plain, item('a', 2500), undefined).table).toBe(3);
    expect(itemWriteUnits(plain, undefined, undefined).table).toBe(1);
  });

  it('doubles every item written in a transaction: two units per started KB', () => {
    expect(itemWriteUnits(plain, undefined, item('a', 500), 2).table).toBe(2);
    expect(itemWriteUnits(plain, item('a', 1500), item('a', 1500), 2).table).toBe(4);
  });

  it('bills a refused conditional write by the larger of the item as it stands and the one proposed', () => {
    const existing = item('a', 300);
    expect(itemWriteUnits(plain, existing, existing, 1, 3000).table).toBe(3);
    expect(itemWriteUnits(plain, undefined, undefined, 1, 0).table).toBe(1);
  });

  it('writes an index once when an item enters it, twice when its key changes, once when it leaves', () => {
    const entering = itemWriteUnits(indexed, undefined, item('a', 200, { g: 'A', at: '1', score: '5' }));
    expect(entering.indexes).toEqual({ all: 1, keysAndScore: 1 });
    const moving = itemWriteUnits(
      indexed,
      item('a', 200, { g: 'A', at: '1', score: '5' }),
      item('a', 200, { g: 'B', at: '1', score: '5' }),
    );
    expect(moving.indexes).toEqual({ all: 2, keysAndScore: 2 });
    const leaving = itemWriteUnits(indexed, item('a', 200, { g: 'A', at: '1' }), item('a', 180));
    expect(leaving.indexes).toEqual({ all: 1, keysAndScore: 1 });
    expect(itemWriteUnits(indexed, item('a', 200), item('a', 300)).indexes).toEqual({
      all: 0,
      keysAndScore: 0,
    });
  });

  it('writes an index once when only projected values change, not at all when nothing it keeps does', () => {
    const before = item('a', 200, { g: 'A', at: '1', score: '5', note: 'x' });
    const newScore = itemWriteUnits(indexed, before, { ...before, score: { S: '6' } });
    expect(newScore.indexes).toEqual({ all: 1, keysAndScore: 1 });
    const newNote = itemWriteUnits(indexed, before, { ...before, note: { S: 'y' } });
    expect(newNote.indexes).toEqual({ all: 1, keysAndScore: 0 });
    expect(itemWriteUnits(indexed, before, before).indexes).toEqual({ all: 0, keysAndScore: 0 });
  });

  it('sizes an index write by its projected entry, not by the whole item', () => {
    const big = item('a', 5000, { g: 'A', at: '1', score: '5' });
    expect(itemWriteUnits(indexed, undefined, big).indexes).toEqual({ all: 5, keysAndScore: 1 });
  });

  it('compares values regardless of map key order and set order', () => {
    const before = { pk: { S: 'a' }, g: { S: 'A' }, m: { M: { x: { N: '1' }, y: { SS: ['b', 'a'] } } } };
    const after = { pk: { S: 'a' }, g: { S: 'A' }, m: { M: { y: { SS: ['a', 'b'] }, x: { N: '1' } } } };
    expect(itemWriteUnits(indexed, before, after).indexes.all).toBe(0);
  });
});
