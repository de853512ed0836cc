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
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await fn();
    ops += opsPerCall;
    now = performance.now();
  }
  return { label, opsPerSec: (ops * 1000) / (now - start) };
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
