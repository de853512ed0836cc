/**
 * Tiny benchmark kit: every figure riskloop reports is a ratio against a baseline
 * measured in the same run, on the same machine, so the numbers survive slow CI hosts.
 */
export interface Throughput {
  label: string;
  opsPerSec: number;
  /**
   * For figures that are not rates (bundle bytes, start-up milliseconds): the unit of the value,
   * which `opsPerSec` then holds. Absent means operations per second.
   */
  unit?: string;
}

export interface BenchResult {
  name: string;
  baseline: Throughput;
  subject: Throughput;
  /** subject / baseline */
  ratio: number;
  /** Minimum acceptable ratio, from the issue that asked for the benchmark. */
  target: number;
  /** For "lower is better" figures: the maximum acceptable `ratio` (then `target` is ignored). */
  budget?: number;
  notes?: string;
}

/** Runs `fn` (which performs `opsPerCall` operations) repeatedly for about `ms` milliseconds. */
export async function throughput(
  label: string,
  fn: () => unknown | Promise<unknown>,
  opsPerCall = 1,
  ms = 1000,
): Promise<Throughput> {
  // Warm up so the JIT has compiled both sides before timing starts.
  const warmUntil = performance.now() + ms / 4;
  while (performance.now() < warmUntil) await fn();
  return { label, opsPerSec: await timed(fn, opsPerCall, ms) };
}

export function compare(
  name: string,
  baseline: Throughput,
  subject: Throughput,
  target: number,
  notes?: string,
): BenchResult {
  return { name, baseline, subject, ratio: subject.opsPerSec / baseline.opsPerSec, target, notes };
}

/** Whether a result meets its goal; undefined for figures that are only reported (no target, no budget). */
export function met(r: BenchResult): boolean | undefined {
  if (r.budget !== undefined) return r.ratio <= r.budget;
  return r.target > 0 ? r.ratio >= r.target : undefined;
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rounds of an interleaved comparison: `BENCH_ROUNDS`, 5 unless set. */
export const benchRounds = () => Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));

/** Per-round ratios (subject / baseline) of an interleaved comparison, and what they add up to. */
export interface Rounds {
  /** Median of the baseline's per-round rates. */
  baseline: Throughput;
  /** Median of the subject's per-round rates. */
  subject: Throughput;
  /** subject / baseline of each round, in the order they ran. */
  ratios: number[];
  /** Median of `ratios`: the figure to report, since a busy machine moves both sides of a round alike. */
  ratio: number;
  min: number;
  max: number;
}

export function roundsOf(
  labels: { baseline: string; subject: string },
  pairs: readonly { baseline: number; subject: number }[],
): Rounds {
  const ratios = pairs.map((p) => p.subject / p.baseline);
  return {
    baseline: { label: labels.baseline, opsPerSec: median(pairs.map((p) => p.baseline)) },
    subject: { label: labels.subject, opsPerSec: median(pairs.map((p) => p.subject)) },
    ratios,
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
  };
}

/** "median of 5 interleaved rounds (0.81×-0.93×)": how a `Rounds` result was reached, for the notes. */
export function roundsText(r: Rounds): string {
  const x = (n: number) => `${n.toFixed(n >= 10 ? 1 : n >= 0.1 ? 2 : 3)}×`;
  return `median of ${r.ratios.length} interleaved rounds (${x(r.min)}-${x(r.max)})`;
}

/** Runs `fn` for about `ms` milliseconds and answers operations per second (no warm-up). */
async function timed(fn: () => unknown | Promise<unknown>, opsPerCall: number, ms: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await fn();
    ops += opsPerCall;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/**
 * Baseline and subject timed in alternating slices of about `ms` each, over `rounds` rounds (which
 * side goes first alternates too), after a warm-up of both: another process taking the CPU for a
 * while slows both sides of a round rather than one side of the comparison.
 */
export async function interleaved(
  baseline: { label: string; fn: () => unknown | Promise<unknown>; opsPerCall?: number },
  subject: { label: string; fn: () => unknown | Promise<unknown>; opsPerCall?: number },
  options: { rounds?: number; ms?: number } = {},
): Promise<Rounds> {
  const { rounds = benchRounds(), ms = 500 } = options;
  await timed(baseline.fn, 1, ms / 2);
  await timed(subject.fn, 1, ms / 2);
  const pairs: { baseline: number; subject: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const b = () => timed(baseline.fn, baseline.opsPerCall ?? 1, ms);
    const s = () => timed(subject.fn, subject.opsPerCall ?? 1, ms);
    if (round % 2 === 0) {
      const rb = await b();
      pairs.push({ baseline: rb, subject: await s() });
    } else {
      const rs = await s();
      pairs.push({ baseline: await b(), subject: rs });
    }
  }
  return roundsOf({ baseline: baseline.label, subject: subject.label }, pairs);
}

/** A BenchResult whose ratio is the median of interleaved rounds. */
export function compareRounds(name: string, r: Rounds, target: number, notes?: string): BenchResult {
  return {
    name,
    baseline: r.baseline,
    subject: r.subject,
    ratio: r.ratio,
    target,
    notes: notes ? `${roundsText(r)}; ${notes}` : roundsText(r),
  };
}
