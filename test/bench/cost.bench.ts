import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoAutoScalingTargetPercent } from '../../infra/cdk/config.js';
import { generateDemo } from '../../infra/local/demo/generate.js';
import type { Usage } from '../../infra/local/metering.js';
import type { Runtime } from '../../infra/local/runtime.js';
import { functions } from '../../infra/manifest.js';
import { DynamoAssignmentStore } from '../../shared/adapters/dynamo-assignment-store.js';
import { DynamoProfileStore } from '../../shared/adapters/dynamo-profile-store.js';
import { DynamoRiskModelStore } from '../../shared/adapters/dynamo-risk-model-store.js';
import { DynamoScoringModelStore } from '../../shared/adapters/dynamo-scoring-model-store.js';
import { INDEX_SHARDS } from '../../shared/adapters/index-shards.js';
import { SqsSegmentationQueue } from '../../shared/adapters/sqs-segmentation-queue.js';
import type { ShardJob } from '../../shared/domain/ports.js';
import { currentVersions } from '../../shared/domain/segmentation/published-document.js';
import { runShard, type ShardDeps } from '../../shared/domain/segmentation/runs.js';
import {
  breakEvenUtilisation,
  combine,
  type DynamoPricing,
  deployedShards,
  dollarsPerMillion,
  duration,
  type PerCustomer,
  perCustomer,
  prices,
  provisionedDynamo,
  quotas,
  reservedWorkerConcurrency,
  type ScaleResult,
  scale,
} from './cost-model.js';
import { postCustomers, startBenchStack, waitForAssignments } from './local-stack.js';
import type { BenchResult } from './measure.js';

const customers = Number(process.env.BENCH_COST_CUSTOMERS ?? 1000);
const warmCustomers = 100;
const target = { dollarsPerMillion: 4, resegmentMinutes: 10 };
const root = resolve(import.meta.dirname, '../..');
const docsPage = join(root, 'docs/cost-model.md');

/**
 * Requests per customer, measured by the local runtime's request meter while demo customers (with
 * their transactions) are ingested and segmented, then while everyone is re-segmented; turned into
 * dollars per million customers and into time on AWS under default quotas (cost-model.ts). Prints
 * the tables and rewrites the generated part of docs/cost-model.md.
 */
export async function run(): Promise<BenchResult[]> {
  const logs = countLogLines();
  // Production log level: what CloudWatch Logs would ingest.
  const { runtime, doc, stop } = await startBenchStack({ countRequests: true, logLevel: 'INFO' });
  const sqs = new SQSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: runtime.endpoints.sqs,
  });
  const table = (name: string) => runtime.env[`TABLE_${name}`] as string;
  try {
    // Warm-up: cold starts (KMS unwrapping, model compilation) are not per-customer cost.
    await postCustomers(runtime, 'cost-warm', warmCustomers);
    await waitForAssignments(doc, table('ASSIGNMENTS'), warmCustomers);
    await idle(sqs, runtime);

    // 1. Ingest and segment demo customers (no transactions yet), through the API.
    const demo = generateDemo({ seed: 8, customers, asOf: new Date() });
    const transactions = demo.transactions.length;
    await resetUsage(runtime);
    logs.reset();
    await postAll(runtime, '/v1/customers', 'records', demo.customers, 100);
    await waitForAssignments(doc, table('ASSIGNMENTS'), warmCustomers + customers);
    await idle(sqs, runtime);
    const customerUsage = await usage(runtime);
    const customerPer = perCustomer(customerUsage, customers, logs.reset());
    const decisions = await countDecisions(doc, table('AUDIT'));

    // 2. Their transactions: each customer with a new transaction is segmented again.
    await resetUsage(runtime);
    await postAll(runtime, '/v1/transactions', 'transactions', demo.transactions, 500);
    await idle(sqs, runtime);
    const transactionUsage = await usage(runtime);
    const transactionPer = perCustomer(transactionUsage, transactions, logs.reset());
    const mixPer = combine(customerPer, transactionPer, transactions / customers);

    // 3. Re-segment everyone, inputs unchanged (the daily run): reads, no writes.
    const population = warmCustomers + customers;
    await resetUsage(runtime);
    const started = await adminPost(runtime, '/v1/resegmentation-runs', {});
    await waitForRun(runtime, started.runId as string);
    await idle(sqs, runtime);
    const reseg = await usage(runtime);
    const resegPer = perCustomer(reseg, population, logs.reset());

    // 4. The daily run: everyone was just decided and nothing aged, so no customer is due. What
    // remains is the fan-out: the profile scan and a projected read of each decision.
    await resetUsage(runtime);
    const daily = await adminPost(runtime, '/v1/resegmentation-runs', { scope: 'due' });
    await waitForRun(runtime, daily.runId as string);
    await idle(sqs, runtime);
    const dailyPer = perCustomer(await usage(runtime), population, logs.reset());
    logs.restore();
    // What one shard invocation enqueues per second at scale: with ~35 customers per shard here,
    // the run's shards are mostly fixed cost, so one shard over the whole population (segment 0
    // of 1) is timed instead, with the shard worker's own code (its counts go to no run).
    const assignmentStore = new DynamoAssignmentStore(doc, table('ASSIGNMENTS'), undefined);
    const probeDeps: ShardDeps = {
      runs: { shardEnqueued: async () => true, cancelled: async () => new Set<string>() },
      queue: new SqsSegmentationQueue(sqs, runtime.env.QUEUE_SEGMENTATION_URL as string),
      customers: (segment, of) =>
        new DynamoProfileStore(doc, table('PROFILES')).scanPseudonyms({ segment, of }),
      assignments: () => {
        throw new Error('the probes have no cutoff');
      },
      decisions: (pseudonyms) => assignmentStore.freshness(pseudonyms),
    };
    const timedShard = async (job: ShardJob) => {
      const started = performance.now();
      const out = await runShard(probeDeps, job);
      return { ...out, seconds: (performance.now() - started) / 1000 };
    };
    const probe = await timedShard({ runId: 'run-bench-shard-probe', cause: 'manual', segment: 0, of: 1 });
    const fanOutPerSecond = probe.enqueued / probe.seconds;
    await idle(sqs, runtime);
    // The same shard over due decisions only: with everyone up to date it queues nobody.
    const dueProbe = await timedShard({
      runId: 'run-bench-due-probe',
      cause: 'schedule',
      segment: 0,
      of: 1,
      due: await currentVersions(
        {
          riskModels: new DynamoRiskModelStore(doc, table('RISK_MODELS'), undefined),
          scoringModels: new DynamoScoringModelStore(doc, table('SCORING_MODELS'), undefined),
        },
        new Date(),
      ),
    });
    if (dueProbe.enqueued !== 0) throw new Error(`the due probe queued ${dueProbe.enqueued}; expected none`);
    const dueFanOutPerSecond = dueProbe.upToDate / dueProbe.seconds;

    // A re-segmentation that changes every decision (new model version) also writes what a first
    // decision writes: the assignment and the audit record (with its chain head), as in step 1.
    const decisionsPerCustomer = Math.max(1, decisions / customers);
    const decisionTables = [table('ASSIGNMENTS'), table('AUDIT')];
    const decisionWrites = (t: string) => (customerPer.byTable[t]?.writeUnits ?? 0) / decisionsPerCustomer;
    // A publication's run decides from the inputs kept with each decision: it reads no transactions
    // or survey responses (docs/risk-models.md), which the run by hand above did.
    const keptInputTables = [table('TRANSACTIONS'), table('FEEDBACK')];
    const keptInputReads = keptInputTables.reduce((a, t) => a + (resegPer.byTable[t]?.readUnits ?? 0), 0);
    const resegChangedPer: PerCustomer = {
      ...resegPer,
      dynamoWriteUnits: resegPer.dynamoWriteUnits + decisionTables.reduce((a, t) => a + decisionWrites(t), 0),
      dynamoReadUnits: resegPer.dynamoReadUnits - keptInputReads,
      byIndex: Object.fromEntries(
        Object.entries(resegPer.byIndex).map(([i, units]) => [
          i,
          units + (customerPer.byIndex[i] ?? 0) / decisionsPerCustomer,
        ]),
      ),
      byTable: {
        ...Object.fromEntries(Object.entries(resegPer.byTable).filter(([t]) => !keptInputTables.includes(t))),
        ...Object.fromEntries(
          decisionTables.map((t) => [
            t,
            {
              readUnits: resegPer.byTable[t]?.readUnits ?? 0,
              writeUnits: (resegPer.byTable[t]?.writeUnits ?? 0) + decisionWrites(t),
            },
          ]),
        ),
      },
    };
    // The write-sharded indexes (a day's audit records, a segment's assignments, `…#NN`) put 1/16
    // of their writes into each shard's partition: the busiest takes that share of its index's
    // measured writes per decision.
    const shardedIndexes = [`${table('AUDIT')}/byDayShard`, `${table('ASSIGNMENTS')}/bySegmentShard`];
    const hotPartitionWriteUnits =
      Math.max(...shardedIndexes.map((i) => (customerPer.byIndex[i] ?? 0) / decisionsPerCustomer)) /
      INDEX_SHARDS;

    const per: Record<Workload, PerCustomer> = {
      customer: customerPer,
      transaction: transactionPer,
      mix: mixPer,
      resegDaily: dailyPer,
      resegUnchanged: resegPer,
      resegChanged: resegChangedPer,
    };
    const priced = (dynamo?: DynamoPricing) =>
      Object.fromEntries(
        workloads.map((w) => [w, dollarsPerMillion(per[w], dynamo)]),
      ) as ReportInput['costs'];
    const costs = priced();
    // The same workloads with DynamoDB in provisioned mode, at the utilisation auto scaling keeps.
    const utilisation = dynamoAutoScalingTargetPercent / 100;
    const provisioned = priced(provisionedDynamo(utilisation));
    const breakEven = breakEvenUtilisation(customerPer, target.dollarsPerMillion);
    const workerMs = (u: Usage, n: number) => (u.lambda.segmentWorker?.durationMs ?? 0) / n;
    const ingestMs = (customerUsage.lambda.ingestCustomers?.durationMs ?? 0) / customers;
    const shardTimeout = functions.resegmentShardWorker.timeoutSeconds;
    const scaleRuns = {
      resegDaily: scale({
        customers: 10_000_000,
        perCustomer: dailyPer,
        workerMsPerCustomer: 0,
        fanOutPerSecond: dueFanOutPerSecond,
        fanOutShards: deployedShards,
        fanOutTimeoutSeconds: shardTimeout,
        workerConcurrency: reservedWorkerConcurrency,
      }),
      resegUnchanged: scale({
        customers: 10_000_000,
        perCustomer: resegPer,
        workerMsPerCustomer: workerMs(reseg, population),
        fanOutPerSecond,
        fanOutShards: deployedShards,
        fanOutTimeoutSeconds: shardTimeout,
        workerConcurrency: reservedWorkerConcurrency,
      }),
      resegChanged: scale({
        customers: 10_000_000,
        perCustomer: resegChangedPer,
        workerMsPerCustomer: workerMs(customerUsage, decisions),
        fanOutPerSecond,
        fanOutShards: deployedShards,
        fanOutTimeoutSeconds: shardTimeout,
        hotPartitionWriteUnits,
        workerConcurrency: reservedWorkerConcurrency,
      }),
      ingest: scale({
        customers: 1_000_000,
        perCustomer: customerPer,
        workerMsPerCustomer: workerMs(customerUsage, customers),
        ingestMsPerCustomer: ingestMs,
        hotPartitionWriteUnits,
        workerConcurrency: reservedWorkerConcurrency,
      }),
    };
    // The same code with the fan-out spread over many invocations, warm tables, and the worker's
    // reserved concurrency raised to what the target needs (still inside the default 1,000).
    const perContainer = 1000 / workerMs(reseg, population);
    const neededConcurrency = Math.ceil(10_000_000 / (target.resegmentMinutes * 60 - 60) / perContainer);
    const fanOutInvocations = Math.ceil(10_000_000 / (fanOutPerSecond * shardTimeout * 0.8));
    const raised = scale({
      customers: 10_000_000,
      perCustomer: resegPer,
      workerMsPerCustomer: workerMs(reseg, population),
      workerConcurrency: neededConcurrency,
      warmTables: true,
    });
    const raisedChanged = scale({
      customers: 10_000_000,
      perCustomer: resegChangedPer,
      workerMsPerCustomer: workerMs(customerUsage, decisions),
      workerConcurrency: quotas.lambdaConcurrency - 100,
      hotPartitionWriteUnits,
      warmTables: true,
    });

    const report = renderReport({
      customers,
      transactions,
      population,
      decisions,
      per,
      costs,
      provisioned,
      utilisation,
      breakEven,
      scaleRuns,
      raised,
      raisedChanged,
      neededConcurrency,
      fanOutInvocations,
      fanOutPerSecond,
      dueFanOutPerSecond,
    });
    console.log(report);
    writeDocs(report);

    return [
      {
        name: 'cost: $ per million customers ingested and segmented (us-east-1 list prices)',
        baseline: { label: 'target $', opsPerSec: target.dollarsPerMillion },
        subject: { label: '$ per million customers', opsPerSec: costs.customer.total },
        ratio: costs.customer.total,
        target: 0,
        budget: target.dollarsPerMillion,
        notes: `dominant: ${costs.customer.lines[0]?.item} ($${costs.customer.lines[0]?.dollarsPerMillion.toFixed(2)}); with the demo's ${(transactions / customers).toFixed(1)} transactions per customer: $${costs.mix.total.toFixed(2)}`,
      },
      {
        name: `cost with DynamoDB provisioned (auto scaling at ${dynamoAutoScalingTargetPercent} % utilisation): $ per million customers`,
        baseline: { label: 'target $', opsPerSec: target.dollarsPerMillion },
        subject: { label: '$ per million customers', opsPerSec: provisioned.customer.total },
        ratio: provisioned.customer.total,
        target: 0,
        budget: target.dollarsPerMillion,
        notes: `-c dynamoCapacity=provisioned; meets $${target.dollarsPerMillion} while the tables stay at least ${(breakEven * 100).toFixed(0)} % used; with the demo's transactions: $${provisioned.mix.total.toFixed(2)}`,
      },
      ...(
        [
          ['the daily run over 10 million customers, all up to date', scaleRuns.resegDaily],
          [
            're-segment 10 million customers under default quotas (inputs unchanged)',
            scaleRuns.resegUnchanged,
          ],
        ] as const
      ).map(([what, s]) => ({
        name: `scale: minutes for ${what}`,
        baseline: { label: 'target minutes', opsPerSec: target.resegmentMinutes },
        subject: { label: 'minutes', opsPerSec: s.seconds / 60 },
        ratio: s.seconds / 60,
        target: 0,
        budget: target.resegmentMinutes,
        notes: `binding: ${s.binding.name}`,
      })),
    ];
  } finally {
    logs.restore();
    sqs.destroy();
    await stop();
  }
}

/** Counts (and keeps off the terminal) the handlers' JSON log lines: CloudWatch Logs would ingest them. */
function countLogLines() {
  // Powertools writes INFO and DEBUG to stdout, WARN and ERROR to stderr: Lambda ingests both.
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  let bytes = 0;
  streams.forEach((stream, i) => {
    const write = writes[i] as (...a: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{') && text.includes('"level"')) {
        bytes += Buffer.byteLength(text);
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  });
  return {
    reset: () => {
      const b = bytes;
      bytes = 0;
      return b;
    },
    restore: () => {
      streams.forEach((stream, i) => {
        stream.write = writes[i] as typeof stream.write;
      });
    },
  };
}

async function usage(runtime: Runtime): Promise<Usage> {
  return (await (await fetch(`${runtime.adminUrl}/usage`)).json()) as Usage;
}

async function resetUsage(runtime: Runtime): Promise<void> {
  await fetch(`${runtime.adminUrl}/usage/reset`, { method: 'POST' });
}

async function postAll<T>(runtime: Runtime, path: string, key: string, items: readonly T[], size: number) {
  const batches = Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const res = await fetch(`${runtime.apiUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${runtime.credentials.ingest}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ [key]: batch }),
      });
      if (res.status !== 207) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

async function adminPost(runtime: Runtime, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runtime.credentials.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function waitForRun(runtime: Runtime, runId: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${runtime.apiUrl}/v1/resegmentation-runs/${runId}`, {
      headers: { authorization: `Bearer ${runtime.credentials.admin}` },
    });
    if (res.ok && ((await res.json()) as { finished?: boolean }).finished) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`run ${runId} did not finish in 10 minutes`);
}

/** The segmentation queue is empty and nothing is in flight, twice in a row. */
async function idle(sqs: SQSClient, runtime: Runtime): Promise<void> {
  const queueUrl = runtime.env.QUEUE_SEGMENTATION_URL as string;
  let quiet = 0;
  const deadline = Date.now() + 600_000;
  while (quiet < 2) {
    if (Date.now() > deadline) throw new Error('segmentation queue did not drain in 10 minutes');
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const pending =
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    quiet = pending === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Segment decisions recorded in the audit trail (assigned, changed) since start: one per write. */
async function countDecisions(doc: DynamoDBDocumentClient, auditTable: string): Promise<number> {
  let n = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: auditTable,
        ExclusiveStartKey: startKey,
        ProjectionExpression: '#a',
        ExpressionAttributeNames: { '#a': 'action' },
      }),
    );
    n += (page.Items ?? []).filter((i) => String(i.action ?? '').startsWith('segment.')).length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  // The warm-up's decisions are in the table too: one each.
  return n - warmCustomers;
}

type Workload = 'customer' | 'transaction' | 'mix' | 'resegDaily' | 'resegUnchanged' | 'resegChanged';

interface ReportInput {
  customers: number;
  transactions: number;
  population: number;
  decisions: number;
  per: Record<Workload, PerCustomer>;
  costs: Record<Workload, ReturnType<typeof dollarsPerMillion>>;
  /** The same with DynamoDB provisioned, at `utilisation` of the provisioned capacity. */
  provisioned: Record<Workload, ReturnType<typeof dollarsPerMillion>>;
  utilisation: number;
  /** Utilisation of provisioned capacity at which a customer costs the target. */
  breakEven: number;
  scaleRuns: Record<'resegDaily' | 'resegUnchanged' | 'resegChanged' | 'ingest', ScaleResult>;
  raised: ScaleResult;
  raisedChanged: ScaleResult;
  neededConcurrency: number;
  fanOutInvocations: number;
  fanOutPerSecond: number;
  dueFanOutPerSecond: number;
}

const workloads: Workload[] = [
  'customer',
  'transaction',
  'mix',
  'resegDaily',
  'resegUnchanged',
  'resegChanged',
];

function renderReport(r: ReportInput): string {
  const n = (x: number, digits = 3) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(digits));
  const usd = (x: number) => `$${x.toFixed(x < 0.1 ? 3 : 2)}`;
  const mix = (r.transactions / r.customers).toFixed(2);
  const header = `| | customer: ingest + segment | per transaction (ingest + re-segment) | demo customer with ${mix} transactions | daily run, customer up to date | run by hand, inputs unchanged | publication, every decision changes |`;
  const out: string[] = [
    `Measured on ${new Date().toISOString().slice(0, 10)}: ${r.customers} demo customers (seed 8) ingested through the local API and segmented (${r.decisions} segment decisions), then their ${r.transactions} transactions, then a run by hand re-evaluating all ${r.population} customers with unchanged inputs, then the daily run over due decisions (none due). The publication column is derived: the run by hand without its transaction and survey reads (a publication decides from the inputs kept with each decision) plus the writes of a decision. Prices: ${prices.region}, ${prices.asOf}.`,
    '',
    '### Requests per customer',
    '',
    header,
    '|---|---|---|---|---|---|---|',
  ];
  const row = (label: string, f: (x: PerCustomer) => number, digits = 3) =>
    out.push(`| ${label} | ${workloads.map((w) => n(f(r.per[w]), digits)).join(' | ')} |`);
  row('DynamoDB write units', (x) => x.dynamoWriteUnits, 2);
  row('DynamoDB read units', (x) => x.dynamoReadUnits, 2);
  row('SQS requests (64 KB chunks)', (x) => x.sqsRequests);
  row('KMS requests', (x) => x.kmsRequests, 4);
  row('EventBridge events', (x) => x.eventBridgeEntries);
  row('Lambda invocations', (x) => x.lambdaInvocations, 4);
  row('Lambda GB-seconds', (x) => x.lambdaGbSeconds, 5);
  row('API Gateway requests', (x) => x.apiRequests, 4);
  row('log bytes (handlers + platform lines)', (x) => x.logBytes, 0);

  out.push(
    '',
    '#### DynamoDB units by table',
    '',
    '| table | customer: write | customer: read | per transaction: write | per transaction: read |',
    '|---|---|---|---|---|',
  );
  const tableNames = [
    ...new Set([...Object.keys(r.per.customer.byTable), ...Object.keys(r.per.transaction.byTable)]),
  ];
  const units = (w: Workload, t: string) => r.per[w].byTable[t] ?? { readUnits: 0, writeUnits: 0 };
  for (const t of tableNames.sort(
    (a, b) => units('customer', b).writeUnits - units('customer', a).writeUnits,
  ))
    out.push(
      `| ${t.replace(/^riskloop-[a-z0-9]+-/, '')} | ${units('customer', t).writeUnits.toFixed(2)} | ${units('customer', t).readUnits.toFixed(2)} | ${units('transaction', t).writeUnits.toFixed(2)} | ${units('transaction', t).readUnits.toFixed(2)} |`,
    );

  out.push(
    '',
    '#### Index writes (included in their table above)',
    '',
    '| index | customer: write | per transaction: write |',
    '|---|---|---|',
  );
  const indexNames = [
    ...new Set([...Object.keys(r.per.customer.byIndex), ...Object.keys(r.per.transaction.byIndex)]),
  ].sort((a, b) => (r.per.customer.byIndex[b] ?? 0) - (r.per.customer.byIndex[a] ?? 0));
  for (const i of indexNames)
    out.push(
      `| ${i.replace(/^riskloop-[a-z0-9]+-/, '')} | ${(r.per.customer.byIndex[i] ?? 0).toFixed(2)} | ${(r.per.transaction.byIndex[i] ?? 0).toFixed(2)} |`,
    );

  out.push(
    '',
    '#### Lambda per customer (durations measured locally: see the caveats)',
    '',
    '| function | memory MB | customer: invocations | customer: ms | re-segment: invocations | re-segment: ms |',
    '|---|---|---|---|---|---|',
  );
  const fnNames = [
    ...new Set([...Object.keys(r.per.customer.functions), ...Object.keys(r.per.resegUnchanged.functions)]),
  ];
  for (const f of fnNames) {
    const c = r.per.customer.functions[f] ?? { invocations: 0, ms: 0 };
    const s = r.per.resegUnchanged.functions[f] ?? { invocations: 0, ms: 0 };
    out.push(
      `| ${f} | ${functions[f as keyof typeof functions]?.memoryMb ?? '?'} | ${c.invocations.toFixed(4)} | ${c.ms.toFixed(2)} | ${s.invocations.toFixed(4)} | ${s.ms.toFixed(2)} |`,
    );
  }

  out.push(
    '',
    '### Dollars per million',
    '',
    header.replace('| |', '| item |'),
    '|---|---|---|---|---|---|---|',
  );
  for (const item of r.costs.customer.lines.map((l) => l.item)) {
    const cell = (w: Workload) => usd(r.costs[w].lines.find((l) => l.item === item)?.dollarsPerMillion ?? 0);
    out.push(`| ${item} | ${workloads.map(cell).join(' | ')} |`);
  }
  out.push(
    `| **total** | ${workloads.map((w) => `**${usd(r.costs[w].total)}**`).join(' | ')} |`,
    `| total with DynamoDB provisioned (auto scaling, ${(r.utilisation * 100).toFixed(0)} % used) | ${workloads.map((w) => usd(r.provisioned[w].total)).join(' | ')} |`,
    '',
    `Target ≤ $${target.dollarsPerMillion} per million customers ingested and segmented: **${r.costs.customer.total <= target.dollarsPerMillion ? 'met' : 'not met'}**: ${usd(r.costs.customer.total)} per million customers without transactions (largest item: ${r.costs.customer.lines[0]?.item}, ${usd(r.costs.customer.lines[0]?.dollarsPerMillion ?? 0)}), ${usd(r.costs.mix.total)} per million demo customers with their transactions.`,
    '',
    `With DynamoDB provisioned (\`-c dynamoCapacity=provisioned\`: auto scaling of every table and index keeps ${(r.utilisation * 100).toFixed(0)} % of the provisioned units used; price $${prices.dynamoProvisionedWriteUnitHour} per write unit-hour, $${prices.dynamoProvisionedReadUnitHour} per read unit-hour): **${usd(r.provisioned.customer.total)}** per million customers, ${usd(r.provisioned.mix.total)} with their transactions; the target is ${r.provisioned.customer.total <= target.dollarsPerMillion ? '**met**' : '**not met**'} while average utilisation stays above ${(r.breakEven * 100).toFixed(0)} %.`,
  );

  const scaleTable = (title: string, s: ScaleResult) => {
    const time = s.fanOutStopsAfter
      ? `does not finish: the fan-out times out after ~${s.fanOutStopsAfter.toLocaleString('en')} customers (${duration(s.seconds)} if it did not)`
      : duration(s.seconds);
    out.push('', `#### ${title}: ${time}`, '', '| ceiling | customers/s | note |', '|---|---|---|');
    for (const l of s.limits) out.push(`| ${l.name} | ${n(l.customersPerSecond, 1)} | ${l.note} |`);
    out.push(
      '',
      `Binding: **${s.binding.name}**; event-source ramp to full concurrency: ${duration(s.rampSeconds)}.`,
    );
  };
  out.push('', '### Scale model under default quotas');
  scaleTable('Daily run over 10 million customers, all up to date', r.scaleRuns.resegDaily);
  scaleTable('Re-segment 10 million customers by hand, inputs unchanged', r.scaleRuns.resegUnchanged);
  scaleTable(
    'Re-segment 10 million customers, every decision changes (new model version)',
    r.scaleRuns.resegChanged,
  );
  scaleTable('Ingest and segment 1 million customers', r.scaleRuns.ingest);
  const met =
    !r.scaleRuns.resegUnchanged.fanOutStopsAfter &&
    r.scaleRuns.resegUnchanged.seconds <= target.resegmentMinutes * 60;
  out.push(
    '',
    `Target: 10 million re-segmented within ${target.resegmentMinutes} minutes under default quotas: **${met ? 'met' : 'not met'}** as deployed (fan-out over ${deployedShards} scan shards, one resegmentShardWorker invocation each; worker reserved concurrency ${reservedWorkerConcurrency}).`,
    '',
    `What it takes, still under default quotas, with inputs unchanged: at least ${r.fanOutInvocations} scan shards (deployed: ${deployedShards}), the worker's reserved concurrency at ${r.neededConcurrency} or more (deployed: ${reservedWorkerConcurrency}), and tables that already carry production traffic (or are pre-warmed): ${duration(r.raised.seconds)} (binding: ${r.raised.binding.name}). When every decision changes, even 900 worker containers and warm tables take ${duration(r.raisedChanged.seconds)} (binding: ${r.raisedChanged.binding.name}): the index partitions keyed by day and by segment cap decision writes whatever the quotas.`,
    '',
    `Fan-out measured locally: ${Math.round(r.fanOutPerSecond).toLocaleString('en')} customers/s enqueued per shard invocation (one shard's scan + SendMessageBatch, timed over the whole local population as one segment); over due decisions with everyone up to date, ${Math.round(r.dueFanOutPerSecond).toLocaleString('en')} customers/s checked per shard (scan + projected BatchGetItem of the decisions). A daily run in which a share d of customers is due takes about the up-to-date run plus d times the run by hand.`,
  );
  return out.join('\n');
}

/** Rewrites the generated part of docs/cost-model.md (between its markers), if the page has them. */
function writeDocs(report: string): void {
  const begin = '<!-- cost-model:generated:begin -->';
  const end = '<!-- cost-model:generated:end -->';
  let page: string;
  try {
    page = readFileSync(docsPage, 'utf8');
  } catch {
    return;
  }
  const from = page.indexOf(begin);
  const to = page.indexOf(end);
  if (from < 0 || to < from) return;
  writeFileSync(docsPage, `${page.slice(0, from + begin.length)}\n\n${report}\n\n${page.slice(to)}`);
}
