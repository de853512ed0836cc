import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical.js';
import {
  type ChainFinding,
  type ChainHead,
  type CheckpointedHead,
  dayOfChain,
  GENESIS_HASH,
  positionOf,
  verifyChain,
} from './chain.js';
import type { CheckpointSigner } from './signer.js';

/** A signed statement of every chain head at one moment; checkpoints are chained to each other too. */
export interface Checkpoint {
  at: string;
  heads: ChainHead[];
  previousDigest: string;
  /** SHA-256 (hex) of the canonical {at, heads, previousDigest}. */
  digest: string;
  signature: string;
  keyId: string;
  algorithm: 'ECDSA_SHA_256';
}

/** Reads the stored trail; implemented over DynamoDB by the audit-trail adapter. */
export interface AuditTrailStore {
  /** Chain heads, optionally only those of one day (YYYY-MM-DD). */
  heads(day?: string): Promise<ChainHead[]>;
  /**
   * The records of a chain stored with `chainSeq` (any order): those linked before `chainPosition`
   * replaced it. Later records are found among the records of their chain's day.
   */
  legacyChainRecords(chain: string): Promise<Record<string, unknown>[]>;
  /**
   * Every audit record listed under `day`, chained or not: records linked with `chainPosition` are
   * listed under their chain's day, older ones under the day they are dated.
   */
  dayRecords(day: string): Promise<Record<string, unknown>[]>;
  /** All checkpoints, oldest first. */
  checkpoints(): Promise<Checkpoint[]>;
  /** false when a checkpoint with that `at` already exists. */
  putCheckpoint(checkpoint: Checkpoint): Promise<boolean>;
}

export type TrailProblem =
  | ChainFinding['problem']
  | 'unchained'
  | 'checkpoint-invalid'
  | 'checkpoint-unlinked';

export interface TrailFinding {
  problem: TrailProblem;
  message: string;
  chain?: string;
  seq?: number;
  record?: { stream: string; eventId: string };
  checkpointAt?: string;
}

export interface VerificationReport {
  intact: boolean;
  verifiedAt: string;
  days: string[];
  chains: number;
  records: number;
  checkpoints: number;
  findings: TrailFinding[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function checkpointDigest(at: string, heads: readonly ChainHead[], previousDigest: string): Buffer {
  return sha256(canonicalJson({ at, heads, previousDigest }));
}

/**
 * Signs the current heads of the chains of `now`'s day and the day before (a chain stops growing
 * when its day ends, so the first checkpoint of a day seals yesterday's chains for good).
 * Skipped when nothing moved since the last checkpoint.
 */
export async function takeCheckpoint(
  deps: { trail: AuditTrailStore; signer: CheckpointSigner },
  now: Date,
): Promise<{ written: boolean; checkpoint?: Checkpoint }> {
  const today = now.toISOString().slice(0, 10);
  const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  const [a, b, history] = await Promise.all([
    deps.trail.heads(yesterday),
    deps.trail.heads(today),
    deps.trail.checkpoints(),
  ]);
  const heads = [...a, ...b].sort((x, y) => (x.chain < y.chain ? -1 : 1));
  const previous = history.at(-1);
  if (heads.length === 0 || (previous && canonicalJson(previous.heads) === canonicalJson(heads))) {
    return { written: false };
  }
  const at = now.toISOString();
  const previousDigest = previous?.digest ?? GENESIS_HASH;
  const digest = checkpointDigest(at, heads, previousDigest);
  const signed = await deps.signer.sign(digest);
  const checkpoint: Checkpoint = { at, heads, previousDigest, digest: digest.toString('hex'), ...signed };
  return { written: await deps.trail.putCheckpoint(checkpoint), checkpoint };
}

/**
 * Verifies the trail of the given days (all days with chains when omitted): every checkpoint's
 * digest, signature and link to the one before; every chain against its records, its head and
 * the last checkpoint that saw it; and that no record of those days sits outside a chain.
 */
export async function verifyAuditTrail(
  deps: { trail: AuditTrailStore; signer: CheckpointSigner },
  options: { days?: readonly string[]; now: Date; settleMs?: number },
): Promise<VerificationReport> {
  const settleMs = options.settleMs ?? 1000;
  const findings: TrailFinding[] = [];
  const checkpoints = await deps.trail.checkpoints();
  let previousDigest = GENESIS_HASH;
  /** What every valid checkpoint signed of each chain, oldest first. */
  const signed = new Map<string, CheckpointedHead[]>();
  for (const c of checkpoints) {
    const digest = checkpointDigest(c.at, c.heads, c.previousDigest);
    const valid =
      digest.toString('hex') === c.digest && (await deps.signer.verify(digest, c.signature, c.keyId));
    if (!valid) {
      findings.push({
        problem: 'checkpoint-invalid',
        checkpointAt: c.at,
        message: `Checkpoint ${c.at} does not match its signature`,
      });
      continue;
    }
    if (c.previousDigest !== previousDigest) {
      findings.push({
        problem: 'checkpoint-unlinked',
        checkpointAt: c.at,
        message: `Checkpoint ${c.at} does not follow the checkpoint before it (one was removed or replaced)`,
      });
    }
    previousDigest = c.digest;
    for (const h of c.heads)
      signed.set(h.chain, [...(signed.get(h.chain) ?? []), { ...h, checkpointAt: c.at }]);
  }

  const allHeads = options.days ? undefined : await deps.trail.heads();
  const days = [
    ...new Set(
      options.days ?? [
        ...(allHeads ?? []).map((h) => dayOfChain(h.chain)),
        ...[...signed.keys()].map(dayOfChain),
      ],
    ),
  ].sort();
  const headsByDay = new Map<string, Promise<ChainHead[]>>();
  const headsOf = (day: string) => {
    const cached = headsByDay.get(day);
    if (cached) return cached;
    const read = allHeads
      ? Promise.resolve(allHeads.filter((h) => dayOfChain(h.chain) === day))
      : deps.trail.heads(day);
    headsByDay.set(day, read);
    return read;
  };
  let chains = 0;
  let records = 0;
  for (const day of days) {
    // Order matters on a live trail: a record is written with its head in one transaction, so
    // reading the day's records before the heads means every chain they name has a head by then.
    const dated = await deps.trail.dayRecords(day);
    let linked = linkedByChain(dated);
    const heads = await headsOf(day);
    const headOf = new Map(heads.map((h) => [h.chain, h]));
    const names = new Set([...headOf.keys(), ...[...signed.keys()].filter((c) => dayOfChain(c) === day)]);
    // A chain of a day that has ended (with an hour's margin for a write begun before midnight)
    // grows no more: a record beyond its head was put there afterwards.
    const closed = day < new Date(options.now.getTime() - 3_600_000).toISOString().slice(0, 10);
    /** Records some verified chain holds, by `stream|eventId`. */
    const chained = new Set<string>();
    let reread = false;
    for (const chain of [...names].sort()) {
      const check = async () => {
        // A chain is written by one container, so by one release: its records hold `chainPosition`
        // or all `chainSeq`. Only a chain with none of the former is looked for in byChain.
        const current = linked.get(chain) ?? [];
        const stored = current.length > 0 ? current : await deps.trail.legacyChainRecords(chain);
        return { stored, found: verifyChain(chain, stored, headOf.get(chain), signed.get(chain)) };
      };
      let result = await check();
      // Indexes are eventually consistent: give a just-written record a moment before calling it
      // missing (the day's records are read again once, for every chain after it too). The
      // records outside every chain are looked for in the first read only: a chain begun after
      // the heads were read is checked on the next run.
      if (result.found.length > 0 && settleMs > 0) {
        await new Promise((r) => setTimeout(r, settleMs));
        if (!reread) {
          linked = linkedByChain(await deps.trail.dayRecords(day));
          reread = true;
        }
        result = await check();
      }
      const head = headOf.get(chain);
      for (const record of result.stored) {
        const seq = positionOf(record);
        const beyond = closed && head !== undefined && seq > head.seq;
        if (Number.isInteger(seq) && seq >= 1 && !beyond) chained.add(keyOf(record));
      }
      chains += 1;
      records += result.stored.length;
      findings.push(...result.found);
    }
    for (const record of dated) {
      if (chained.has(keyOf(record))) continue;
      // A record linked with `chainSeq` (before `chainPosition`) and dated just before midnight
      // may sit in the next day's chain, which byChain gives when that day is verified.
      const chain = typeof record.chain === 'string' ? record.chain : undefined;
      if (
        chain &&
        record.chainSeq !== undefined &&
        dayOfChain(chain) !== day &&
        (await headsOf(dayOfChain(chain))).some((h) => h.chain === chain)
      )
        continue;
      findings.push({
        problem: 'unchained',
        record: { stream: String(record.stream), eventId: String(record.eventId) },
        message: `Record ${record.eventId} is not part of any known chain (its link fields were removed or forged, or it claims a position its chain never had)`,
      });
    }
  }
  return {
    intact: findings.length === 0,
    verifiedAt: options.now.toISOString(),
    days,
    chains,
    records,
    checkpoints: checkpoints.length,
    findings,
  };
}

/** The records linked with `chainPosition`, by chain. */
function linkedByChain(records: readonly Record<string, unknown>[]): Map<string, Record<string, unknown>[]> {
  const byChain = new Map<string, Record<string, unknown>[]>();
  for (const r of records) {
    if (typeof r.chain !== 'string' || r.chainPosition === undefined) continue;
    const list = byChain.get(r.chain) ?? [];
    list.push(r);
    byChain.set(r.chain, list);
  }
  return byChain;
}

const keyOf = (record: Record<string, unknown>) => `${String(record.stream)}|${String(record.eventId)}`;
