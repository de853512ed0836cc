import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { envNames } from '../../infra/manifest.js';
import { postCustomers, startBenchStack, waitForAssignments, writeItems } from './local-stack.js';
import { type BenchResult, benchRounds, median, roundsOf, roundsText } from './measure.js';

/** Customers POSTed per measured round (in batches of 100, 4 clients, as `postCustomers` does). */
const roundCustomers = Number(process.env.BENCH_CUSTOMERS ?? 2000);
/** Items written per round of the raw baseline (BatchWriteItem of 25, 4 writers). */
const roundItems = Number(process.env.BENCH_RAW_ITEMS ?? 10_000);
/** Single-item conditional PutItems per round (16 in flight, as ingestion writes): the cost of one request. */
const roundPuts = Number(process.env.BENCH_RAW_PUTS ?? 3000);
/** Raw items written before the rounds: DynamoDB Local's JIT settles after a few thousand writes. */
const warmItems = Number(process.env.BENCH_WARM_ITEMS ?? 5000);
/** The riskloop warm-up goes in chunks of this many customers until two chunks' rates agree. */
const warmChunk = 500;
const warmChunks = { min: 3, max: 8, tolerance: 0.15 };
/**
 * 600 bytes: the mean size of the five items riskloop writes per customer (assignment ~950 B, audit
 * record ~930 B, profile ~670 B, subject-directory entry ~210 B, subject key ~250 B, as JSON).
 */
const payload = 'x'.repeat(600);

/**
 * CPU spent by the bench process (which hosts gateway, handlers, SQS, KMS) and DynamoDB Local's JVM,
 * and by the whole machine (all cores, every process: what else runs on it shows as the rest).
 */
interface Cpu {
  nodeMs: number;
  javaMs: number;
  machineMs: number;
  /** Time the Node event loop spent running code rather than waiting (eventLoopUtilization's `active`). */
  loopActiveMs: number;
}

interface Side {
  /** Items/s (raw) or customers/s (riskloop). */
  rate: number;
  seconds: number;
  cpu: Cpu;
}

interface Round {
  raw: Side;
  put: Side;
  riskloop: Side & { ingestPerSec: number };
}

/** Cores used on average over a side of a round: Node, Java, every other process, and the event loop's busy share. */
const load = (side: Side) => {
  const cores = (ms: number) => ms / 1000 / side.seconds;
  return {
    node: cores(side.cpu.nodeMs),
    java: cores(side.cpu.javaMs),
    others: cores(side.cpu.machineMs - side.cpu.nodeMs - side.cpu.javaMs),
    loop: cores(side.cpu.loopActiveMs),
  };
};

/**
 * End to end through the local stack (HTTP → gateway → authoriser → ingest → SQS → worker →
 * DynamoDB) against the raw BatchWriteItem rate of the same DynamoDB Local, both warmed first and
 * then timed in interleaved rounds: the ratio reported is the median of the per-round ratios, so a
 * machine busy with other work moves both sides of a round alike. Each round also times single-item
 * conditional PutItems, what one request costs. Node and Java CPU per customer and per raw item are
 * reported beside the rates (docs/benchmarks.md, "End to end: where the time goes"); plus KMS calls
 * per 10,000 records in steady state.
 */
export async function run(): Promise<BenchResult[]> {
  const { runtime, doc, stop } = await startBenchStack();
  const sqs = new SQSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: runtime.endpoints.sqs,
  });
  try {
    const java = dynamoProcess(runtime.endpoints.dynamodb);
    const cpu = (): Cpu => {
      const { user, system } = process.cpuUsage();
      return {
        nodeMs: (user + system) / 1000,
        javaMs: java ? java.cpuMs() : Number.NaN,
        machineMs: machineBusyMs(),
        loopActiveMs: performance.eventLoopUtilization().active,
      };
    };
    const assignments = runtime.env.TABLE_ASSIGNMENTS as string;
    const queueUrl = runtime.env[envNames.queueUrl('segmentation')] as string;
    let posted = 0;
    /** Customers/s from the first POST until every one of them is segmented. */
    const riskloopRound = async (tag: string, n: number) => {
      const before = cpu();
      const started = performance.now();
      await postCustomers(runtime, tag, n);
      const ingestSeconds = (performance.now() - started) / 1000;
      posted += n;
      await waitForSegmented(sqs, queueUrl, doc, assignments, posted);
      const seconds = (performance.now() - started) / 1000;
      return { rate: n / seconds, seconds, ingestPerSec: n / ingestSeconds, cpu: delta(before, cpu()) };
    };
    let written = 0;
    const rawRound = async (n: number) => {
      const before = cpu();
      const started = performance.now();
      const from = written;
      written += n;
      await writeItems(doc, 'bench-raw', n, (i) => ({ pk: `item-${from + i}`, payload }));
      const seconds = (performance.now() - started) / 1000;
      return { rate: n / seconds, seconds, cpu: delta(before, cpu()) };
    };
    const putRound = async (n: number) => {
      const before = cpu();
      const started = performance.now();
      let next = written;
      written += n;
      const end = written;
      const writer = async () => {
        while (next < end) {
          const i = next++;
          await doc.send(
            new PutCommand({
              TableName: 'bench-raw',
              Item: { pk: `item-${i}`, payload },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        }
      };
      await Promise.all(Array.from({ length: 16 }, writer));
      const seconds = (performance.now() - started) / 1000;
      return { rate: n / seconds, seconds, cpu: delta(before, cpu()) };
    };

    await createRawTable(doc);
    const kmsBefore = await kmsTotal(runtime.adminUrl);
    // Warm-up, both sides: cold starts (key unwrapping, model compilation), V8's and the JVM's JIT.
    await rawRound(warmItems);
    await putRound(roundPuts);
    const warmRates: number[] = [];
    for (let chunk = 0; chunk < warmChunks.max; chunk++) {
      warmRates.push((await riskloopRound(`warm${chunk}`, warmChunk)).rate);
      const [previous, last] = warmRates.slice(-2) as [number, number];
      if (warmRates.length >= warmChunks.min && Math.abs(last - previous) <= warmChunks.tolerance * previous)
        break;
    }
    const kmsWarm = await kmsTotal(runtime.adminUrl);

    const rounds: Round[] = [];
    for (let round = 0; round < benchRounds(); round++) {
      const raw = await rawRound(roundItems);
      const put = await putRound(roundPuts);
      const riskloop = await riskloopRound(`run${round}`, roundCustomers);
      rounds.push({ raw, put, riskloop });
      const [a, b] = [load(raw), load(riskloop)];
      const c = (n: number) => n.toFixed(2);
      process.stderr.write(
        `bench: end-to-end round ${round + 1}: raw ${Math.round(raw.rate)} items/s, riskloop ${Math.round(riskloop.rate)} customers/s (${(riskloop.rate / raw.rate).toFixed(4)}×); ` +
          `cores node/java/others: raw ${c(a.node)}/${c(a.java)}/${c(a.others)}, riskloop ${c(b.node)}/${c(b.java)}/${c(b.others)}, event loop busy ${Math.round(100 * b.loop)} %\n`,
      );
    }
    const measuredCustomers = roundCustomers * rounds.length;
    const kmsSteady = (await kmsTotal(runtime.adminUrl)) - kmsWarm;
    const perTenThousand = (kmsSteady / measuredCustomers) * 10_000;

    const r = roundsOf(
      { baseline: 'raw BatchWriteItem items/s', subject: 'customers/s ingested → segmented' },
      rounds.map((x) => ({ baseline: x.raw.rate, subject: x.riskloop.rate })),
    );
    const perCustomer = (k: keyof Cpu) => median(rounds.map((x) => x.riskloop.cpu[k] / roundCustomers));
    const perItem = (k: keyof Cpu) => median(rounds.map((x) => x.raw.cpu[k] / roundItems));
    const perPut = (k: keyof Cpu) => median(rounds.map((x) => x.put.cpu[k] / roundPuts));
    const puts = roundsOf(
      { baseline: 'raw conditional PutItem requests/s', subject: 'customers/s ingested → segmented' },
      rounds.map((x) => ({ baseline: x.put.rate, subject: x.riskloop.rate })),
    );
    const ms = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(n >= 1 ? 2 : 3));
    const spread = (values: number[]) =>
      `${Math.round(Math.min(...values)).toLocaleString('en')}-${Math.round(Math.max(...values)).toLocaleString('en')}`;
    const cores = (side: 'raw' | 'riskloop') => {
      const loads = rounds.map((x) => load(x[side]));
      return (['node', 'java', 'others'] as const)
        .map((k) => median(loads.map((l) => l[k])).toFixed(2))
        .join(', ');
    };
    const cpuRow = (k: 'nodeMs' | 'javaMs', what: string): BenchResult => ({
      name: `${what} CPU per customer end to end, in raw items' worth`,
      baseline: { label: `${what} CPU per raw item`, opsPerSec: perItem(k), unit: 'ms' },
      subject: { label: `${what} CPU per customer`, opsPerSec: perCustomer(k), unit: 'ms' },
      ratio: perCustomer(k) / perItem(k),
      target: 0,
      notes: `medians of the same ${rounds.length} rounds; ${what === 'Node' ? 'the bench process: HTTP clients, gateway, authoriser, handlers, SQS and KMS stand-ins, AWS SDK' : `DynamoDB Local's JVM (/proc/<pid>/stat utime + stime)`}`,
    });
    return [
      {
        name: 'end-to-end vs raw BatchWriteItem',
        baseline: r.baseline,
        subject: r.subject,
        ratio: r.ratio,
        target: 0.25,
        notes:
          `${roundsText(r)} of ${roundItems.toLocaleString('en')} raw 600-byte items (25 per BatchWriteItem, 4 writers) then ${roundCustomers.toLocaleString('en')} customers (POSTs of 100, 4 clients); ` +
          `raw ${spread(rounds.map((x) => x.raw.rate))} items/s, riskloop ${spread(rounds.map((x) => x.riskloop.rate))} customers/s (ingest alone ${Math.round(median(rounds.map((x) => x.riskloop.ingestPerSec)))}/s); ` +
          `per customer ${ms(perCustomer('nodeMs'))} ms Node CPU and ${ms(perCustomer('javaMs'))} ms Java CPU, per raw item ${ms(perItem('nodeMs'))} ms and ${ms(perItem('javaMs'))} ms; ` +
          `cores used (median; Node, Java, other processes): raw ${cores('raw')}, riskloop ${cores('riskloop')}, Node event loop busy ${Math.round(100 * median(rounds.map((x) => load(x.riskloop).loop)))} % in riskloop's; ` +
          `warmed with ${warmItems.toLocaleString('en')} raw items and ${warmRates.length} × ${warmChunk} customers (${warmRates.map((x) => Math.round(x)).join(', ')}/s); ` +
          `KMS calls: ${kmsWarm - kmsBefore} in warm-up, ${kmsSteady} in the rounds`,
      },
      {
        name: 'end-to-end vs raw single-item PutItem (the cost of one request)',
        baseline: puts.baseline,
        subject: puts.subject,
        ratio: puts.ratio,
        target: 0,
        notes: `${roundsText(puts)}, ${roundPuts.toLocaleString('en')} conditional PutItems of 600 bytes (16 in flight, as ingestion writes) in each round, between the two sides above; per PutItem ${ms(perPut('nodeMs'))} ms Node CPU and ${ms(perPut('javaMs'))} ms Java CPU. 1 / ratio is how many such requests' worth of time a customer takes`,
      },
      cpuRow('nodeMs', 'Node'),
      cpuRow('javaMs', 'Java'),
      {
        name: 'KMS calls per 10,000 records (steady state, after warm-up)',
        baseline: { label: 'records', opsPerSec: measuredCustomers, unit: 'records' },
        subject: { label: 'KMS calls', opsPerSec: kmsSteady, unit: 'calls' },
        ratio: perTenThousand,
        target: 0,
        budget: 1,
      },
    ];
  } finally {
    sqs.destroy();
    await stop();
  }
}

const delta = (a: Cpu, b: Cpu): Cpu => ({
  nodeMs: b.nodeMs - a.nodeMs,
  javaMs: b.javaMs - a.javaMs,
  machineMs: b.machineMs - a.machineMs,
  loopActiveMs: b.loopActiveMs - a.loopActiveMs,
});

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Busy CPU time of the whole machine, all cores (/proc/stat: everything but idle and iowait); NaN off Linux. */
function machineBusyMs(): number {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields.map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/**
 * Waits until the segmentation queue is empty (the worker deletes a message only after its
 * assignment is written), then for the assignments to be counted: a COUNT Scan of the whole
 * assignments table every 250 ms would itself load DynamoDB Local during the measured window.
 */
async function waitForSegmented(
  sqs: SQSClient,
  queueUrl: string,
  doc: DynamoDBDocumentClient,
  table: string,
  expected: number,
) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { Attributes: a = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const queued = Object.values(a).reduce((sum, v) => sum + Number(v), 0);
    if (queued === 0) break;
    if (Date.now() > deadline)
      throw new Error(`${queued} segmentation messages still queued after 10 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitForAssignments(doc, table, expected);
}

/**
 * DynamoDB Local's JVM (a child of this process, started by infra/local/services.ts), found by its
 * port in /proc; its CPU time from /proc/<pid>/stat. Undefined off Linux.
 */
function dynamoProcess(endpoint: string): { pid: number; cpuMs(): number } | undefined {
  const port = new URL(endpoint).port;
  const stat = (pid: string) => {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, ppid 4, utime 14, stime 15.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const isDynamo = args.some((a) => a.endsWith('DynamoDBLocal.jar')) && args.includes(port);
        if (!isDynamo || Number(stat(pid)[1]) !== process.pid) continue;
        return {
          pid: Number(pid),
          cpuMs: () => {
            const fields = stat(pid);
            return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
          },
        };
      } catch {
        // A process that ended while /proc was read.
      }
    }
  } catch {
    // No /proc: Java CPU is not reported.
  }
  return undefined;
}

async function createRawTable(doc: DynamoDBDocumentClient) {
  await doc.send(
    new CreateTableCommand({
      TableName: 'bench-raw',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
}

async function kmsTotal(adminUrl: string): Promise<number> {
  const stats = ((await (await fetch(adminUrl)).json()) as { kms: Record<string, number> }).kms;
  return Object.values(stats).reduce((a, b) => a + b, 0);
}
