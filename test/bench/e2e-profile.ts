/**
 * Where the end-to-end path's Node CPU goes: `tsx test/bench/e2e-profile.ts` starts the bench stack,
 * warms it, then takes a V8 CPU profile (the inspector's, as `node --cpu-prof` writes) of
 * `BENCH_CUSTOMERS` (2,000) customers from the first POST until every one is segmented, writes it to
 * .data/profiles/ and prints its self time by category and by component.
 * `tsx test/bench/e2e-profile.ts <file.cpuprofile>…` only summarises profiles (`--cpu-prof` output too).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { markdownTable } from '../../infra/markdown.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The repository the profiled code ran from: this one, unless the profile says otherwise (a copy elsewhere). */
let root = resolve(import.meta.dirname, '../..');

/** Node's native socket writes: the syscall, which on loopback TCP also delivers to the receiver. */
const socketWrites = new Set([
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
]);
const socketWriteCategory = 'socket writes (writev syscalls, loopback TCP)';

/** What a frame's code is: a package, one of riskloop's own areas, Node itself or V8's bookkeeping. */
function categoryOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return '(program): V8/native, no JS frame';
    if (socketWrites.has(functionName)) return socketWriteCategory;
    return 'V8 builtins';
  }
  if (url.startsWith('node:')) return 'Node internals';
  const path = url.replace(/^file:\/\//, '').split('?')[0] ?? url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '?');
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/'))
      return 'AWS SDK (@aws-sdk, @smithy, @aws-crypto)';
    if (pkg === 'fauxqs') return 'local stand-ins (gateway, SQS, KMS, relay)';
    if (pkg === 'tsx' || pkg === 'esbuild') return 'tsx loader';
    return `dep: ${pkg.startsWith('@aws-lambda-powertools/') ? '@aws-lambda-powertools' : pkg}`;
  }
  if (!path.startsWith(root)) return 'other';
  const rel = path.slice(root.length + 1);
  if (rel.startsWith('infra/local/')) return 'local stand-ins (gateway, SQS, KMS, relay)';
  if (rel.startsWith('test/')) return 'bench harness (test/)';
  return "riskloop's own code (shared/, functions/, infra/manifest)";
}

/**
 * Which part of the system a sample belongs to: the nearest riskloop frame on its stack names it.
 * Continuations of `await` start from the microtask queue, so a sample inside the SDK's middleware
 * has no riskloop frame above it: those stay "not attributable".
 */
function componentOf(rel: string): string | undefined {
  if (rel.startsWith('functions/ingest-customers') || rel.startsWith('shared/domain/ingestion'))
    return 'ingestCustomers';
  if (
    rel.startsWith('functions/segment-worker') ||
    rel.startsWith('shared/domain/segmentation') ||
    rel.startsWith('shared/domain/risk-model') ||
    rel.startsWith('shared/domain/scoring')
  )
    return 'segmentWorker';
  if (rel.startsWith('functions/authorizer')) return 'authorizer';
  if (rel.startsWith('infra/local/gateway') || rel.startsWith('shared/http')) return 'gateway + HTTP routing';
  if (rel.startsWith('infra/local/event-sources')) return 'SQS poller (event source)';
  if (rel.startsWith('infra/local/')) return 'stand-ins';
  if (rel.startsWith('test/')) return 'bench client';
  return undefined;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time charged to the nearest frame that is not Node's or V8's (a builtin called by the SDK is the SDK's). */
  byCategory: Map<string, number>;
  /** Raw self time: the frame that was running. */
  bySelf: Map<string, number>;
  byComponent: Map<string, number>;
  /** Self time of riskloop's own functions (charged as in byCategory). */
  ownFunctions: Map<string, number>;
}

export function summarise(profile: CpuProfile): ProfileSummary {
  const marker = '/test/bench/local-stack.ts';
  const own = profile.nodes.find((n) => n.callFrame.url.endsWith(marker))?.callFrame.url;
  if (own) root = own.replace(/^file:\/\//, '').slice(0, -marker.length);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const timeOf = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const summary: ProfileSummary = {
    totalMs: 0,
    byCategory: new Map(),
    bySelf: new Map(),
    byComponent: new Map(),
    ownFunctions: new Map(),
  };
  const internal = new Set(['Node internals', 'V8 builtins']);
  const unclaimed = (sawNode: boolean) =>
    sawNode ? 'Node internals (HTTP, streams, timers)' : 'V8 builtins (promises, microtasks)';
  for (const [id, ms] of timeOf) {
    const node = byId.get(id);
    if (!node) continue;
    const selfCategory = categoryOf(node.callFrame.url, node.callFrame.functionName);
    if (selfCategory === 'idle') continue;
    summary.totalMs += ms;
    add(summary.bySelf, selfCategory, ms);
    let charged = selfCategory;
    let chargedFrame = node;
    let component: string | undefined;
    let sawNode = false;
    for (let at: ProfileNode | undefined = node; at; at = byId.get(parent.get(at.id) ?? -1)) {
      const category = categoryOf(at.callFrame.url, at.callFrame.functionName);
      if (category === 'Node internals') sawNode = true;
      if (internal.has(charged) && !internal.has(category) && category !== 'other') {
        charged = category;
        chargedFrame = at;
      }
      const path = at.callFrame.url.replace(/^file:\/\//, '').split('?')[0] ?? '';
      if (!component && path.startsWith(root) && !path.includes('/node_modules/'))
        component = componentOf(path.slice(root.length + 1));
    }
    add(summary.byCategory, internal.has(charged) ? unclaimed(sawNode) : charged, ms);
    add(summary.byComponent, component ?? 'not attributable (await continuations, sockets, timers)', ms);
    if (charged.startsWith("riskloop's own")) {
      const url = chargedFrame.callFrame.url.replace(/^file:\/\//, '').split('?')[0] ?? '';
      add(
        summary.ownFunctions,
        `${chargedFrame.callFrame.functionName || '(anonymous)'} (${url.slice(root.length + 1)})`,
        ms,
      );
    }
  }
  return summary;
}

export function summaryTables(s: ProfileSummary, perCustomer?: number): string {
  const rows = (m: Map<string, number>, limit = 20) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([k, ms]) => [
        k,
        `${Math.round(ms).toLocaleString('en')} ms`,
        `${((100 * ms) / s.totalMs).toFixed(1)} %`,
        ...(perCustomer ? [`${(ms / perCustomer).toFixed(3)} ms`] : []),
      ]);
  const head = (what: string) => [what, 'Self time', 'Share', ...(perCustomer ? ['Per customer'] : [])];
  return [
    `CPU profile: ${Math.round(s.totalMs).toLocaleString('en')} ms of samples (idle excluded)${perCustomer ? ` for ${perCustomer} customers` : ''}`,
    '',
    markdownTable(head('Category (builtins charged to their caller)'), rows(s.byCategory)),
    '',
    markdownTable(head('Category (raw self time)'), rows(s.bySelf)),
    '',
    markdownTable(head('Component (nearest riskloop frame on the stack)'), rows(s.byComponent)),
    '',
    markdownTable(head("riskloop's own functions"), rows(s.ownFunctions, 25)),
  ].join('\n');
}

async function profileEndToEnd() {
  const { postCustomers, startBenchStack, waitForAssignments } = await import('./local-stack.js');
  const customers = Number(process.env.BENCH_CUSTOMERS ?? 2000);
  const warm = Number(process.env.BENCH_WARM_CUSTOMERS ?? 1500);
  const { runtime, doc, stop } = await startBenchStack();
  const table = runtime.env.TABLE_ASSIGNMENTS as string;
  const session = new Session();
  session.connect();
  try {
    await postCustomers(runtime, 'warm', warm);
    await waitForAssignments(doc, table, warm);
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    const cpu = process.cpuUsage();
    const started = performance.now();
    await postCustomers(runtime, 'run', customers);
    await waitForAssignments(doc, table, warm + customers);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const dir = join(root, '.data/profiles');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `e2e-${new Date().toISOString().replaceAll(':', '-')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(
      `${customers} customers in ${seconds.toFixed(1)} s (${Math.round(customers / seconds)}/s); Node CPU ${((used.user + used.system) / 1000 / customers).toFixed(2)} ms per customer (profiler on); profile: ${file}\n`,
    );
    console.log(summaryTables(summarise(profile), customers));
  } finally {
    session.disconnect();
    await stop();
  }
}

const files = process.argv.slice(2);
if (files.length > 0) {
  for (const file of files)
    console.log(summaryTables(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)));
} else {
  await profileEndToEnd();
}
