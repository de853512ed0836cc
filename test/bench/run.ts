/**
 * `npm run bench [suite…]`: every benchmark, reported as a ratio against a baseline measured in the
 * same run. Prints the table, merges the figures into docs/benchmarks.json (only the suites that
 * ran are replaced) and regenerates the results section of docs/benchmarks.md from that file.
 * Exit code 0 unless a suite failed: benchmarks inform, they do not gate (targets are printed beside).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './measure.js';
import {
  type BenchReport,
  machineFacts,
  mergeReport,
  type ReportEntry,
  renderSection,
  replaceSection,
  resultsTable,
  type SuiteRun,
  toEntry,
} from './report.js';

interface Suite {
  title: string;
  load: () => Promise<{ run(): Promise<BenchResult[]> }>;
}

/** In the order they run and appear in the report. */
const suites: Record<string, Suite> = {
  rules: { title: 'Rule evaluation', load: () => import('./rules.bench.js') },
  'json-rules': { title: 'Rules vs json-rules-engine', load: () => import('./json-rules.bench.js') },
  crypto: { title: 'Pseudonymise and encrypt', load: () => import('./crypto.bench.js') },
  webhook: { title: 'Survey webhooks', load: () => import('./webhook.bench.js') },
  bundles: {
    title: 'Function bundles: size and module initialisation',
    load: () => import('./bundles.bench.js'),
  },
  'end-to-end': { title: 'End to end and KMS calls', load: () => import('./e2e.bench.js') },
  population: { title: 'Simulation and re-segmentation', load: () => import('./population.bench.js') },
  models: {
    title: 'Predictive models: accuracy and inference cost',
    load: () => import('./models.bench.js'),
  },
  audit: { title: 'Audit trail', load: () => import('./audit.bench.js') },
  scale: {
    title: 'Population scale: reads and jobs at 10k, 100k and 1M customers',
    load: () => import('./scale.bench.js'),
  },
  cost: {
    title: 'Cost per million customers and scale under default quotas',
    load: () => import('./cost.bench.js'),
  },
};

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const reportFile = join(repoRoot, 'docs/benchmarks.json');
const docFile = join(repoRoot, 'docs/benchmarks.md');

/** Other names a suite answers to on the command line. */
const aliases: Record<string, string> = { e2e: 'end-to-end' };
const only = process.argv.slice(2).map((name) => aliases[name] ?? name);
const unknown = only.filter((name) => !(name in suites));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown suite ${unknown.join(', ')}; suites: ${Object.keys(suites).join(', ')}\n`,
  );
  process.exit(2);
}

const runs: Record<string, SuiteRun> = {};
const fresh: ReportEntry[] = [];
let failed = false;
for (const [name, suite] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  const measuredAt = new Date().toISOString();
  const started = performance.now();
  try {
    const results = await (await suite.load()).run();
    runs[name] = {
      title: suite.title,
      measuredAt,
      seconds: (performance.now() - started) / 1000,
      machine: machineFacts(),
    };
    fresh.push(...results.map((r) => toEntry(name, r)));
  } catch (error) {
    // The suite's previous figures stay in the report; the others still run.
    failed = true;
    process.stderr.write(`bench: ${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
}

console.log(`\n${resultsTable(fresh)}`);
for (const e of fresh.filter((x) => x.notes)) console.log(`- ${e.name}: ${e.notes}`);

if (Object.keys(runs).length > 0) {
  const previous = existsSync(reportFile)
    ? (JSON.parse(readFileSync(reportFile, 'utf8')) as BenchReport)
    : undefined;
  const report = mergeReport(previous, runs, fresh, Object.keys(suites));
  // Titles follow the registry above, also for suites this run kept from the previous report.
  for (const [name, run] of Object.entries(report.suites))
    run.title = suites[name]?.title ?? run.title ?? name;
  const doc = replaceSection(readFileSync(docFile, 'utf8'), renderSection(report));
  writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(docFile, doc);
  process.stderr.write(
    `bench: wrote docs/benchmarks.json and docs/benchmarks.md (${Object.keys(runs).join(', ')})\n`,
  );
}
process.exit(failed ? 1 : 0);
