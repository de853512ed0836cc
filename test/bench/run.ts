/**
 * `npm run bench`: every benchmark, reported as a ratio against a baseline measured in the same
 * run. Exit code 0 always: benchmarks inform, they do not gate (targets are printed beside).
 */
import type { BenchResult } from './measure.js';

const suites: Record<string, () => Promise<{ run(): Promise<BenchResult[]> }>> = {
  rules: () => import('./rules.bench.js'),
  crypto: () => import('./crypto.bench.js'),
  webhook: () => import('./webhook.bench.js'),
  'end-to-end': () => import('./e2e.bench.js'),
  population: () => import('./population.bench.js'),
  'json-rules': () => import('./json-rules.bench.js'),
  audit: () => import('./audit.bench.js'),
};

const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const [name, load] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  results.push(...(await (await load()).run()));
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2));
console.log('\n| benchmark | baseline (ops/s) | riskloop (ops/s) | ratio | target | met |');
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  const met = (r.budget !== undefined ? r.ratio <= r.budget : r.ratio >= r.target) ? 'yes' : 'NO';
  const goal = r.budget !== undefined ? `≤ ${r.budget}` : `≥ ${r.target}×`;
  const value = r.budget !== undefined ? r.ratio.toFixed(2) : `${r.ratio.toFixed(2)}×`;
  console.log(
    `| ${r.name} | ${r.baseline.label}: ${fmt(r.baseline.opsPerSec)} | ${r.subject.label}: ${fmt(r.subject.opsPerSec)} | ${value} | ${goal} | ${met} |`,
  );
  if (r.notes) console.log(`|  | ${r.notes} | | | | |`);
}
process.exit(0);
