/**
 * `npm run bench -- scale`: the read routes and the jobs at 10 thousand, 100 thousand and 1 million
 * customers. Each population is written straight into DynamoDB Local with the product's own item
 * builders (`assignmentItem`, `auditPut`, the outcome and case shapes, the aggregates' own recount
 * and rebuild), into a data directory that is kept (`.data/bench-scale/<size>`), so a population
 * loads once and later runs only measure. Then, for each size, every read route answers
 * `BENCH_SCALE_REQUESTS` (1,000) requests one at a time through the local API, and each job runs
 * through the API to its end.
 *
 * Reported, as ratios against the smallest population measured in the same run: each route's p99
 * (budget: at most 1.5× the p99 at 10k) and each job's customers per second (target: at least 0.8×
 * of 10k); and the simulation's customers per second against a raw parallel Scan of the same items
 * (target ≥ 0.3). Sizes: BENCH_SCALE_SIZES (default 10000,100000,1000000).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startRuntime } from '../../infra/local/runtime.js';
import { DynamoAggregates } from '../../shared/adapters/dynamo-aggregates.js';
import { assignmentItem } from '../../shared/adapters/dynamo-assignment-store.js';
import { auditPut } from '../../shared/adapters/dynamo-audit-log.js';
import type { ComplianceCase } from '../../shared/domain/cases/case.js';
import {
  assignmentDelta,
  type CounterDelta,
  caseDelta,
  mergeDeltas,
  outcomeDelta,
} from '../../shared/domain/insights/aggregates.js';
import type { AuditOutcome } from '../../shared/domain/ports.js';
import { loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { defaultShards, scanShards } from '../../shared/domain/segmentation/runs.js';
import { benchDocClient, rawParallelScan, writeItems } from './local-stack.js';
import type { BenchResult } from './measure.js';
import { auditOf, caseOf, decisionOf, outcomeOf, pseudonymOf } from './scale-population.js';

const root = resolve(import.meta.dirname, '../..');
const sizes = (process.env.BENCH_SCALE_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const requestsPerRoute = Number(process.env.BENCH_SCALE_REQUESTS ?? 1000);
const dataRoot = process.env.BENCH_SCALE_DIR ?? join(root, '.data/bench-scale');
/** Bump when the loaded items change shape: older data directories are then loaded again. */
const layoutVersion = 4;
/** BatchWriteItem calls in flight while loading: DynamoDB Local on disk is the limit, not the client. */
const loadWriters = 8;

/** Writes the population with the product's item shapes; the aggregates through their own rebuild. */
async function load(doc: DynamoDBDocumentClient, env: Record<string, string>, n: number) {
  const totals: CounterDelta = new Map();
  const need = (name: string) => env[name] as string;
  await writeItems(
    doc,
    need('TABLE_ASSIGNMENTS'),
    n,
    (i) => {
      const a = decisionOf(i);
      mergeDeltas(totals, assignmentDelta(undefined, a));
      return assignmentItem(a);
    },
    loadWriters,
  );
  // Audit records of one customer in ten (the ones whose history is read): a customer's stream is a
  // key-bounded read whatever the table's size, and the population loads in about half the time.
  await writeItems(
    doc,
    need('TABLE_AUDIT'),
    Math.ceil(n / 10),
    (k) => auditPut(need('TABLE_AUDIT'), auditOf(decisionOf(k * 10))).Item,
    loadWriters,
  );
  const outcomes = Array.from({ length: Math.ceil(n / 50) }, (_, k) => outcomeOf(k * 50, decisionOf(k * 50)));
  await writeItems(doc, need('TABLE_OUTCOMES'), outcomes.length, (k) => {
    const o = outcomes[k] as AuditOutcome;
    mergeDeltas(totals, outcomeDelta(o));
    return { ...o };
  });
  const cases = Array.from({ length: Math.ceil(n / 100) }, (_, k) => caseOf(k * 100, decisionOf(k * 100)));
  await writeItems(doc, need('TABLE_CASES'), cases.length, (k) => {
    const c = cases[k] as ComplianceCase;
    mergeDeltas(totals, caseDelta(undefined, c));
    return { ...c };
  });
  await new DynamoAggregates(doc, need('TABLE_AGGREGATES')).replaceAll(totals);
}

interface RouteFigures {
  p50: number;
  p99: number;
}

/** `requestsPerRoute` sequential requests after a warm-up; latencies in milliseconds. */
async function measureRoute(url: (k: number) => string, key: string): Promise<RouteFigures> {
  const call = async (k: number) => {
    const started = performance.now();
    const res = await fetch(url(k), { headers: { authorization: `Bearer ${key}` } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${url(k)} answered ${res.status}: ${body.slice(0, 200)}`);
    return { ms: performance.now() - started, body };
  };
  for (let k = 0; k < 50; k++) await call(k);
  const ms: number[] = [];
  for (let k = 0; k < requestsPerRoute; k++) ms.push((await call(k)).ms);
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

async function runJob(apiUrl: string, key: string, path: string, body: unknown) {
  const started = performance.now();
  const res = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  const { jobId } = (await res.json()) as { jobId: string };
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const job = (await (
      await fetch(`${apiUrl}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { status: string; result?: Record<string, unknown>; error?: unknown };
    if (job.status === 'succeeded')
      return { seconds: (performance.now() - started) / 1000, result: job.result };
    if (job.status === 'failed' || job.status === 'cancelled')
      throw new Error(`${path}: job ${job.status} ${JSON.stringify(job.error)}`);
  }
}

interface SizeFigures {
  size: number;
  loadSeconds: number | null;
  routes: Record<string, RouteFigures>;
  simulation: { customersPerSec: number; scanItemsPerSec: number; seconds: number };
  export: { customersPerSec: number; seconds: number };
  clusters: { seconds: number };
}

async function measureSize(size: number): Promise<SizeFigures> {
  const dataDir = join(dataRoot, String(size));
  mkdirSync(dataDir, { recursive: true });
  const marker = join(dataDir, 'loaded.json');
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  const runtime = await startRuntime({ root, dataDir, port: 0, stage: 'scale', log: () => {} });
  const doc = benchDocClient(runtime.endpoints.dynamodb);
  try {
    let loadSeconds: number | null = null;
    const loaded = existsSync(marker)
      ? (JSON.parse(readFileSync(marker, 'utf8')) as { version: number })
      : undefined;
    if (loaded?.version !== layoutVersion) {
      const started = performance.now();
      process.stderr.write(`bench scale: loading ${size.toLocaleString('en')} customers into ${dataDir}…\n`);
      await load(doc, runtime.env, size);
      loadSeconds = (performance.now() - started) / 1000;
      writeFileSync(marker, JSON.stringify({ version: layoutVersion, size, loadSeconds }));
    }
    const { analyst, admin, compliance } = runtime.credentials;
    const api = runtime.apiUrl;
    const at = (k: number) => pseudonymOf((k * 7919) % size);
    // A cursor deep into the largest segment, so paging is measured past the first page too.
    let cursor = '';
    const routes: [string, (k: number) => string, string][] = [
      ['GET /v1/segments', () => `${api}/v1/segments`, analyst],
      ['GET /v1/insights/summary', () => `${api}/v1/insights/summary`, analyst],
      ['GET /v1/insights/capture-curve', () => `${api}/v1/insights/capture-curve`, analyst],
      ['GET /v1/insights/incidents', () => `${api}/v1/insights/incidents`, analyst],
      ['GET /v1/insights/cases', () => `${api}/v1/insights/cases`, analyst],
      ['GET /v1/insights/feedback', () => `${api}/v1/insights/feedback`, analyst],
      ['GET /v1/insights/model-timeline', () => `${api}/v1/insights/model-timeline`, analyst],
      [
        'GET /v1/insights/segments/{segment}/customers',
        (k) =>
          `${api}/v1/insights/segments/low/customers?limit=100${k % 2 === 1 && cursor ? `&cursor=${cursor}` : ''}`,
        analyst,
      ],
      ['GET /v1/customers/{pseudonym}/segment', (k) => `${api}/v1/customers/${at(k)}/segment`, analyst],
      [
        'GET /v1/customers/{pseudonym}/history',
        (k) => `${api}/v1/customers/${pseudonymOf(((k * 7919) % Math.ceil(size / 10)) * 10)}/history`,
        analyst,
      ],
      ['GET /v1/cases', () => `${api}/v1/cases?status=open&limit=100`, compliance],
      ['GET /v1/jobs', () => `${api}/v1/jobs`, analyst],
      ['GET /v1/risk-models', () => `${api}/v1/risk-models`, analyst],
    ];
    const first = (await (
      await fetch(`${api}/v1/insights/segments/low/customers?limit=1000`, {
        headers: { authorization: `Bearer ${analyst}` },
      })
    ).json()) as { nextCursor: string | null };
    cursor = first.nextCursor ?? '';
    const figures: Record<string, RouteFigures> = {};
    // BENCH_SCALE_ROUTE=customers: only the routes whose name contains it (an investigation, not a report).
    const only = process.env.BENCH_SCALE_ROUTE;
    for (const [name, url, key] of routes.filter(([name]) => !only || name.includes(only))) {
      figures[name] = await measureRoute(url, key);
      process.stderr.write(
        `bench scale ${size}: ${name} p50 ${figures[name]?.p50.toFixed(1)} ms, p99 ${figures[name]?.p99.toFixed(1)} ms\n`,
      );
    }

    if (only)
      return {
        size,
        loadSeconds,
        routes: figures,
        simulation: { customersPerSec: 0, scanItemsPerSec: 0, seconds: 0 },
        export: { customersPerSec: 0, seconds: 0 },
        clusters: { seconds: 0 },
      };
    // The same segments as the job's shards (sized by the population), 4 scanned at a time: the raw
    // cost of reading what the job reads, the way it reads it.
    const scan = { segments: scanShards(size, defaultShards), concurrency: 4 };
    await rawParallelScan(doc, runtime.env.TABLE_ASSIGNMENTS as string, scan);
    const scanItemsPerSec = await rawParallelScan(doc, runtime.env.TABLE_ASSIGNMENTS as string, scan);
    const sim = await runJob(api, analyst, '/v1/risk-models/simulate', {
      model: loadDefaultModel(),
      scenario: [{ kind: 'addToList', list: 'highRiskCountries', values: ['LU'] }],
      sampleSize: 0,
    });
    const evaluated = Number((sim.result as { evaluated?: number } | undefined)?.evaluated ?? 0);
    if (evaluated !== size) throw new Error(`the simulation evaluated ${evaluated} of ${size}`);
    const exported = await runJob(api, compliance, '/v1/exports/segments', {});
    const rows = Number((exported.result as { rows?: number } | undefined)?.rows ?? 0);
    if (rows !== size) throw new Error(`the export wrote ${rows} of ${size} rows`);
    const clusters = await runJob(api, admin, '/v1/reports/clusters', {});
    process.stderr.write(
      `bench scale ${size}: simulation ${(size / sim.seconds).toFixed(0)} customers/s (raw scan ${scanItemsPerSec.toFixed(0)} items/s), export ${(size / exported.seconds).toFixed(0)} customers/s, cluster report ${clusters.seconds.toFixed(1)} s\n`,
    );
    return {
      size,
      loadSeconds,
      routes: figures,
      simulation: { customersPerSec: size / sim.seconds, scanItemsPerSec, seconds: sim.seconds },
      export: { customersPerSec: size / exported.seconds, seconds: exported.seconds },
      clusters: { seconds: clusters.seconds },
    };
  } finally {
    doc.destroy();
    await runtime.stop();
  }
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

/**
 * Each size in a process of its own: a function's SDK clients are made once per process (as in a
 * Lambda container) and point at the stand-ins of the system that started them.
 */
async function measureInChild(size: number): Promise<SizeFigures> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--size', String(size)],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`scale bench at ${size} exited ${code}`);
  return JSON.parse(line) as SizeFigures;
}

if (process.argv[2] === '--size') {
  const figures = await measureSize(Number(process.argv[3]));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
}

export async function run(): Promise<BenchResult[]> {
  const measured: SizeFigures[] = [];
  for (const size of sizes) measured.push(await measureInChild(size));
  const base = measured[0] as SizeFigures;
  const results: BenchResult[] = [];
  for (const m of measured.slice(1)) {
    for (const [route, f] of Object.entries(m.routes)) {
      const b = base.routes[route] as RouteFigures;
      results.push({
        name: `${route} p99 at ${label(m.size)} vs at ${label(base.size)} customers`,
        baseline: { label: `p99 at ${label(base.size)}`, opsPerSec: b.p99, unit: 'ms' },
        subject: { label: `p99 at ${label(m.size)}`, opsPerSec: f.p99, unit: 'ms' },
        ratio: f.p99 / b.p99,
        target: 0,
        budget: 1.5,
        notes: `p50 ${f.p50.toFixed(1)} ms at ${label(m.size)}, ${b.p50.toFixed(1)} ms at ${label(base.size)}; ${requestsPerRoute} requests each`,
      });
    }
    results.push({
      name: `simulation job throughput at ${label(m.size)} vs at ${label(base.size)} customers`,
      baseline: { label: `customers/s at ${label(base.size)}`, opsPerSec: base.simulation.customersPerSec },
      subject: { label: `customers/s at ${label(m.size)}`, opsPerSec: m.simulation.customersPerSec },
      ratio: m.simulation.customersPerSec / base.simulation.customersPerSec,
      target: 0.8,
      notes: `${m.simulation.seconds.toFixed(1)} s for ${label(m.size)}, from POST to the job's result`,
    });
    results.push({
      name: `export job throughput at ${label(m.size)} vs at ${label(base.size)} customers`,
      baseline: { label: `customers/s at ${label(base.size)}`, opsPerSec: base.export.customersPerSec },
      subject: { label: `customers/s at ${label(m.size)}`, opsPerSec: m.export.customersPerSec },
      ratio: m.export.customersPerSec / base.export.customersPerSec,
      target: 0.8,
      notes: `${m.export.seconds.toFixed(1)} s for ${label(m.size)}, from POST to the job's result (rows written)`,
    });
  }
  for (const m of measured) {
    results.push({
      name: `simulation job over ${label(m.size)} stored customers vs raw parallel Scan`,
      baseline: { label: 'raw Scan items/s', opsPerSec: m.simulation.scanItemsPerSec },
      subject: { label: 'customers simulated/s', opsPerSec: m.simulation.customersPerSec },
      ratio: m.simulation.customersPerSec / m.simulation.scanItemsPerSec,
      target: 0.3,
      notes: `cluster report job (20,000-customer sample) ${m.clusters.seconds.toFixed(1)} s${m.loadSeconds === null ? '' : `; population loaded in ${m.loadSeconds.toFixed(0)} s`}`,
    });
  }
  return results;
}
