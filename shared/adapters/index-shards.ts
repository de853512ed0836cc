/**
 * Write-sharded index keys. A GSI partition takes about 1,000 write units a second, and an index
 * keyed by a low-cardinality value (a segment: most customers are "low"; a day: every audit record
 * of the day) puts a whole re-segmentation's writes into one partition: the scale model's binding
 * limit was 889 decisions a second (docs/cost-model.md). Suffixing the key with one of
 * `INDEX_SHARDS` buckets, from a hash of the item's own key, spreads those writes over 16
 * partitions (about 14,000 decisions a second, above the 11,000 a 10-million re-segmentation in
 * 15 minutes needs); a reader queries the 16 keys in parallel and merges.
 */
export const INDEX_SHARDS = 16;

/** FNV-1a, 32 bits: cheap and stable; the bucket only has to spread, not to resist anyone. */
function bucketOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % INDEX_SHARDS;
}

const suffix = (n: number) => String(n).padStart(2, '0');

/** `segment#NN`: the assignments' bySegmentShard index key. */
export const segmentShardOf = (segment: string, pseudonym: string) =>
  `${segment}#${suffix(bucketOf(pseudonym))}`;

/** `YYYY-MM-DD#NN`: the audit records' byDayShard index key. */
export const dayShardOf = (day: string, eventKey: string) => `${day}#${suffix(bucketOf(eventKey))}`;

/** Every key of one value's shards, for a reader. */
export const shardKeys = (value: string) =>
  Array.from({ length: INDEX_SHARDS }, (_, n) => `${value}#${suffix(n)}`);
