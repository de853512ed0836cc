import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical.js';
import type { AuditEvent } from '../ports.js';

/**
 * The hash chain that makes the audit trail tamper-evident.
 *
 * Every writer (a Lambda container) owns one chain per day, so writers never contend for a shared
 * head and writes do not serialise across containers. Each record carries its chain, its position
 * and the hash of the record before it; its own hash covers all of that plus its content. Editing,
 * deleting or reordering a stored record therefore breaks a hash or a link, and signed checkpoints
 * of the chain heads stop someone from rewriting a whole chain consistently afterwards.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** Positions are stored as fixed-width strings so DynamoDB's string sort order is numeric order. */
const SEQ_WIDTH = 12;
export const formatSeq = (seq: number): string => String(seq).padStart(SEQ_WIDTH, '0');
export const parseSeq = (chainSeq: string): number => Number.parseInt(chainSeq, 10);

export interface ChainLinkFields {
  /** `<day>#<writer id>` */
  chain: string;
  /**
   * The record's position. Records linked before 2026-12 carry it as `chainSeq`, which keys the
   * audit table's `byChain` index; later ones as `chainPosition`, so they stay out of that index (an
   * index write per record, while the day's records, listed by `byDayShard`, hold every record of
   * the day's chains). Hashed as stored, whichever it is.
   */
  chainPosition?: string;
  chainSeq?: string;
  prevHash: string;
  hash: string;
}

/** A linked record's position in its chain, whichever field holds it. */
export const positionOf = (record: Record<string, unknown>): number =>
  parseSeq(String(record.chainPosition ?? record.chainSeq));

export type ChainedAuditEvent = AuditEvent & ChainLinkFields;

export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

export const chainIdOf = (day: string, writerId: string): string => `${day}#${writerId}`;
export const dayOfChain = (chain: string): string => chain.slice(0, 10);

/** SHA-256 over the canonical JSON of the record without its own `hash`. */
export function recordHash(record: Record<string, unknown>): string {
  const { hash: _ignored, ...content } = record;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Links `records` (in order) onto `head`, returning the linked copies and the new head. */
export function linkRecords(
  head: ChainHead,
  records: readonly Record<string, unknown>[],
): { linked: Record<string, unknown>[]; head: ChainHead } {
  let { seq, hash } = head;
  const linked = records.map((record) => {
    seq += 1;
    const withLink = { ...record, chain: head.chain, chainPosition: formatSeq(seq), prevHash: hash };
    hash = recordHash(withLink);
    return { ...withLink, hash };
  });
  return { linked, head: { chain: head.chain, seq, hash } };
}

export type ChainProblem =
  | 'edited'
  | 'reordered'
  | 'missing'
  | 'broken-link'
  | 'duplicate-position'
  | 'head-mismatch'
  | 'head-missing'
  | 'differs-from-checkpoint'
  | 'chain-deleted';

export interface ChainFinding {
  problem: ChainProblem;
  chain: string;
  /** Position in the chain the finding is about. */
  seq: number;
  /** The record named by the finding (absent when the record itself is gone). */
  record?: { stream: string; eventId: string };
  message: string;
}

/** What a signed checkpoint said about one chain. */
export interface CheckpointedHead {
  chain: string;
  seq: number;
  hash: string;
  /** When the checkpoint was taken, for messages. */
  checkpointAt: string;
}

const named = (r: Record<string, unknown>) => ({ stream: String(r.stream), eventId: String(r.eventId) });

/**
 * Verifies one chain: `records` as stored (any order), `head` as stored (undefined when its head
 * item is gone) and what every checkpoint signed of this chain, oldest first. Returns one finding per
 * problem, each naming the record and position concerned.
 */
export function verifyChain(
  chain: string,
  records: readonly Record<string, unknown>[],
  head: ChainHead | undefined,
  checkpoints: readonly CheckpointedHead[] = [],
): ChainFinding[] {
  const checkpointed = checkpoints.reduce<CheckpointedHead | undefined>(
    (latest, c) => (latest && latest.seq > c.seq ? latest : c),
    undefined,
  );
  const findings: ChainFinding[] = [];
  const bySeq = new Map<number, Record<string, unknown>>();
  const byPrevHash = new Map<string, Record<string, unknown>>();
  for (const record of records) {
    const seq = positionOf(record);
    if (bySeq.has(seq)) {
      findings.push({
        problem: 'duplicate-position',
        chain,
        seq,
        record: named(record),
        message: `Two records claim position ${seq} of chain ${chain}`,
      });
      continue;
    }
    bySeq.set(seq, record);
    if (!byPrevHash.has(String(record.prevHash))) byPrevHash.set(String(record.prevHash), record);
  }
  // Records beyond the head were written after the head was read (live chains keep growing);
  // they are checked on the next run. Without a head, every stored record is checked.
  const lastSeq = head
    ? Math.max(head.seq, checkpointed?.seq ?? 0)
    : Math.max(0, checkpointed?.seq ?? 0, ...bySeq.keys());
  // Where each record was written: follow the links from the genesis hash. A record the walk
  // reaches at another position than it claims was moved; one it does not reach sits after a gap.
  const writtenAt = new Map<Record<string, unknown>, number>();
  for (let cursor = GENESIS_HASH, position = 1; ; position++) {
    const next = byPrevHash.get(cursor);
    if (!next || writtenAt.has(next)) break;
    writtenAt.set(next, position);
    cursor = String(next.hash);
  }
  let previousHash = GENESIS_HASH;
  for (let seq = 1; seq <= lastSeq; seq++) {
    const record = bySeq.get(seq);
    if (!record) {
      findings.push({
        problem: 'missing',
        chain,
        seq,
        message: `Record at position ${seq} of chain ${chain} is missing (deleted?)`,
      });
      // The next record's prevHash names the missing record's hash; continue from there.
      previousHash = String(bySeq.get(seq + 1)?.prevHash ?? previousHash);
      continue;
    }
    const contentIntact = recordHash(record) === record.hash;
    const written = writtenAt.get(record);
    if (written !== undefined && written !== seq) {
      findings.push({
        problem: 'reordered',
        chain,
        seq,
        record: named(record),
        message: `Record ${record.eventId} sits at position ${seq} but was written at position ${written}`,
      });
    } else if (!contentIntact) {
      findings.push({
        problem: 'edited',
        chain,
        seq,
        record: named(record),
        message: `Record ${record.eventId} (position ${seq}) was changed after it was written`,
      });
    } else if (written === undefined && record.prevHash !== previousHash) {
      findings.push({
        problem: 'broken-link',
        chain,
        seq,
        record: named(record),
        message: `Record ${record.eventId} (position ${seq}) does not follow the record before it`,
      });
    }
    previousHash = String(record.hash);
  }
  if (!head) {
    findings.push({
      problem: 'head-missing',
      chain,
      seq: lastSeq,
      message: `The head of chain ${chain} is missing`,
    });
  } else {
    const last = bySeq.get(head.seq);
    if (last && last.hash !== head.hash) {
      findings.push({
        problem: 'head-mismatch',
        chain,
        seq: head.seq,
        record: named(last),
        message: `The head of chain ${chain} does not match its last record`,
      });
    }
  }
  if (checkpointed && bySeq.size === 0 && !head) {
    findings.push({
      problem: 'chain-deleted',
      chain,
      seq: checkpointed.seq,
      message: `Chain ${chain} was checkpointed at ${checkpointed.checkpointAt} but no longer exists`,
    });
  } else {
    const rewritten = rewriteAfterCheckpoints(chain, bySeq, checkpoints);
    if (rewritten) findings.push(rewritten);
  }
  return findings;
}

/**
 * A chain rewritten consistently after a checkpoint (every hash recomputed) is only visible against what
 * the checkpoints signed. Each checkpoint that still matches vouches for every record up to its
 * position; the first one that does not match shows a rewrite. The finding names the first record no
 * matching checkpoint vouches for: the earliest that can have been changed.
 */
function rewriteAfterCheckpoints(
  chain: string,
  bySeq: ReadonlyMap<number, Record<string, unknown>>,
  checkpoints: readonly CheckpointedHead[],
): ChainFinding | undefined {
  const bySeqOrder = [...checkpoints].sort((a, b) => a.seq - b.seq);
  const differs = (c: CheckpointedHead) => {
    const stored = bySeq.get(c.seq);
    return stored !== undefined && stored.hash !== c.hash;
  };
  const firstBad = bySeqOrder.find(differs);
  if (!firstBad) return undefined;
  const lastGood = bySeqOrder.filter((c) => c.seq < firstBad.seq && !differs(c)).at(-1);
  const from = (lastGood?.seq ?? 0) + 1;
  const record = bySeq.get(from);
  return {
    problem: 'differs-from-checkpoint',
    chain,
    seq: from,
    ...(record ? { record: named(record) } : {}),
    message:
      `Records from position ${from} to ${firstBad.seq} of chain ${chain} differ from what the checkpoint of ` +
      `${firstBad.checkpointAt} signed: rewritten after it. ` +
      (lastGood
        ? `Positions up to ${lastGood.seq} match the checkpoint of ${lastGood.checkpointAt}.`
        : 'No earlier checkpoint vouches for any of them.'),
  };
}
