/**
 * Cost and scale model: turns requests measured per customer in a local end-to-end run (the
 * request meter of the local runtime, infra/local/metering.ts) into dollars per million customers
 * and into hours on AWS under default quotas. Pure arithmetic, so docs/cost-model.md is regenerated
 * from measurements by `npm run bench cost`, never edited by hand.
 */
import type { Usage } from '../../infra/local/metering.js';
import { functions } from '../../infra/manifest.js';
import { defaultShards, scanShards } from '../../shared/domain/segmentation/runs.js';

/**
 * AWS list prices, us-east-1, on-demand, as published on the AWS pricing pages (DynamoDB on-demand
 * after the November 2024 reduction). eu-west-1 is a few per cent dearer for DynamoDB and API
 * Gateway and the same for Lambda, SQS, KMS and EventBridge: check the pages before budgeting.
 */
export const prices = {
  region: 'us-east-1',
  asOf: '2026-11-25 (list prices as published since 2024-11-01; free tiers ignored)',
  dynamoWriteUnit: 0.625 / 1e6, // https://aws.amazon.com/dynamodb/pricing/on-demand/
  dynamoReadUnit: 0.125 / 1e6,
  lambdaArmGbSecond: 0.0000133334, // https://aws.amazon.com/lambda/pricing/ (arm64, first tier)
  lambdaRequest: 0.2 / 1e6,
  sqsRequest: 0.4 / 1e6, // https://aws.amazon.com/sqs/pricing/ (standard, per 64 KB chunk)
  kmsRequest: 0.03 / 1e4, // https://aws.amazon.com/kms/pricing/ (symmetric)
  apiGatewayRestRequest: 3.5 / 1e6, // https://aws.amazon.com/api-gateway/pricing/ (REST, first 333M)
  eventBridgeEvent: 1 / 1e6, // https://aws.amazon.com/eventbridge/pricing/ (custom events, 64 KB chunks)
  logsIngestedGb: 0.5, // https://aws.amazon.com/cloudwatch/pricing/ (standard log ingestion)
  // https://aws.amazon.com/dynamodb/pricing/provisioned/ (one unit = one write of 1 KB, or one
  // strongly consistent read of 4 KB, per second: the same units the meter counts)
  dynamoProvisionedWriteUnitHour: 0.00065,
  dynamoProvisionedReadUnitHour: 0.00013,
} as const;

/** Bytes of the START, END and REPORT lines Lambda writes for every invocation. */
export const platformLogBytesPerInvocation = 350;

/** AWS default quotas the scale model uses (per account and region unless said otherwise). */
export const quotas = {
  lambdaConcurrency: 1_000,
  /** SQS event source, standard queue: starts with 5 concurrent batches, adds up to 300 per minute, at most 1,000. */
  sqsStartConcurrency: 5,
  sqsConcurrencyPerMinute: 300,
  sqsMaxConcurrency: 1_000,
  kmsRequestsPerSecond: 10_000,
  apiGatewayRequestsPerSecond: 10_000,
  /** A new on-demand table serves up to this much at once; it doubles over ~30 min as traffic stays up. */
  dynamoNewTableWriteUnitsPerSecond: 4_000,
  dynamoNewTableReadUnitsPerSecond: 12_000,
  /** Default per-table ceiling of on-demand throughput. */
  dynamoTableWriteUnitsPerSecond: 40_000,
  dynamoTableReadUnitsPerSecond: 40_000,
  /** One partition, base table or GSI: a GSI whose key has one value per day or segment is one partition. */
  dynamoPartitionWriteUnitsPerSecond: 1_000,
  eventBridgePutEventsPerSecond: 10_000,
} as const;

export interface PerCustomer {
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  byTable: Record<string, { readUnits: number; writeUnits: number }>;
  /** Write units into each index (`table/index`), included in its table's. */
  byIndex: Record<string, number>;
  sqsRequests: number;
  kmsRequests: number;
  eventBridgeEntries: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  apiRequests: number;
  logBytes: number;
  /** Per function: invocations and milliseconds per customer. */
  functions: Record<string, { invocations: number; ms: number }>;
}

/** Usage divided by the number of customers it served. */
export function perCustomer(usage: Usage, customers: number, logBytes: number): PerCustomer {
  const fns = Object.entries(usage.lambda);
  const invocations = fns.reduce((a, [, f]) => a + f.invocations, 0);
  const byTable: PerCustomer['byTable'] = {};
  for (const [table, u] of Object.entries(usage.dynamodb.byTable))
    byTable[table] = { readUnits: u.readUnits / customers, writeUnits: u.writeUnits / customers };
  return {
    dynamoReadUnits: usage.dynamodb.readUnits / customers,
    dynamoWriteUnits: usage.dynamodb.writeUnits / customers,
    byTable,
    byIndex: Object.fromEntries(
      Object.entries(usage.dynamodb.byIndex ?? {}).map(([index, units]) => [index, units / customers]),
    ),
    // Empty polls are the event source idling: a fixed cost per month, not per customer.
    sqsRequests: (usage.sqs.billedRequests - usage.sqs.emptyReceives) / customers,
    kmsRequests: usage.kms.total / customers,
    eventBridgeEntries: usage.eventbridge.entries / customers,
    lambdaInvocations: invocations / customers,
    lambdaGbSeconds: fns.reduce((a, [, f]) => a + f.gbSeconds, 0) / customers,
    apiRequests: usage.api.requests / customers,
    logBytes: (logBytes + invocations * platformLogBytesPerInvocation) / customers,
    functions: Object.fromEntries(
      fns.map(([name, f]) => [
        name,
        { invocations: f.invocations / customers, ms: f.durationMs / customers },
      ]),
    ),
  };
}

export interface CostLine {
  item: string;
  perCustomer: number;
  unit: string;
  dollarsPerMillion: number;
}

/** What a DynamoDB write and read unit cost, and how the cost lines name them. */
export interface DynamoPricing {
  writeUnit: number;
  readUnit: number;
  /** Appended to the DynamoDB line names, e.g. " (provisioned)". */
  label: string;
}

export const onDemandDynamo: DynamoPricing = {
  writeUnit: prices.dynamoWriteUnit,
  readUnit: prices.dynamoReadUnit,
  label: '',
};

/**
 * DynamoDB in provisioned mode (`-c dynamoCapacity=provisioned`): a unit consumed costs the
 * unit-hour price over 3,600 s, divided by the share of provisioned capacity actually used (auto
 * scaling keeps ~70 %; idle hours at the floor are not per customer).
 */
export function provisionedDynamo(utilisation: number): DynamoPricing {
  return {
    writeUnit: prices.dynamoProvisionedWriteUnitHour / 3600 / utilisation,
    readUnit: prices.dynamoProvisionedReadUnitHour / 3600 / utilisation,
    label: ' (provisioned)',
  };
}

/** Dollars per million customers, line by line, largest first. */
export function dollarsPerMillion(
  p: PerCustomer,
  dynamo: DynamoPricing = onDemandDynamo,
): { lines: CostLine[]; total: number } {
  const m = 1e6;
  const lines: CostLine[] = [
    line(`DynamoDB writes${dynamo.label}`, p.dynamoWriteUnits, 'WRU', dynamo.writeUnit),
    line(`DynamoDB reads${dynamo.label}`, p.dynamoReadUnits, 'RRU', dynamo.readUnit),
    line('Lambda duration (arm64)', p.lambdaGbSeconds, 'GB-s', prices.lambdaArmGbSecond),
    line('Lambda requests', p.lambdaInvocations, 'invocations', prices.lambdaRequest),
    line('SQS standard', p.sqsRequests, 'requests', prices.sqsRequest),
    line('KMS', p.kmsRequests, 'requests', prices.kmsRequest),
    line('API Gateway REST', p.apiRequests, 'requests', prices.apiGatewayRestRequest),
    line('EventBridge custom events', p.eventBridgeEntries, 'events', prices.eventBridgeEvent),
    line('CloudWatch Logs ingestion', p.logBytes, 'bytes', prices.logsIngestedGb / 1024 ** 3),
  ].sort((a, b) => b.dollarsPerMillion - a.dollarsPerMillion);
  return { lines, total: lines.reduce((a, l) => a + l.dollarsPerMillion, 0) };
  function line(item: string, perCustomer: number, unit: string, price: number): CostLine {
    return { item, perCustomer, unit, dollarsPerMillion: perCustomer * price * m };
  }
}

/** The average utilisation of provisioned capacity at which a customer costs `dollars` per million. */
export function breakEvenUtilisation(p: PerCustomer, dollars: number): number {
  // Provisioned DynamoDB costs (its cost at full use) / utilisation; everything else is fixed.
  const others = dollarsPerMillion(p, { writeUnit: 0, readUnit: 0, label: '' }).total;
  const atFullUse = dollarsPerMillion(p, provisionedDynamo(1)).total - others;
  return others >= dollars ? Number.POSITIVE_INFINITY : atFullUse / (dollars - others);
}

export interface ScaleInput {
  customers: number;
  /** Requests per customer of this workload. */
  perCustomer: PerCustomer;
  /** Milliseconds of worker time per customer (from the measured segmentWorker durations); 0: none queued. */
  workerMsPerCustomer: number;
  /** Customers one shard invocation (resegmentShardWorker) enqueues per second (re-segmentation only). */
  fanOutPerSecond?: number;
  /** Scan shards of a run, scanned by as many concurrent invocations (re-segmentation only). */
  fanOutShards?: number;
  /** Timeout of the shard worker, seconds (re-segmentation only). */
  fanOutTimeoutSeconds?: number;
  /** For ingestion: milliseconds of ingest function time per customer and API requests per customer. */
  ingestMsPerCustomer?: number;
  /** Write units per customer landing on a GSI partition whose key is shared by everyone (per day, per segment). */
  hotPartitionWriteUnits?: number;
  workerConcurrency: number;
  /** Tables already serving high traffic (or pre-warmed): the per-table quota instead of a new table's start. */
  warmTables?: boolean;
}

export interface Limit {
  name: string;
  customersPerSecond: number;
  note: string;
}

export interface ScaleResult {
  limits: Limit[];
  binding: Limit;
  rampSeconds: number;
  seconds: number;
  /** Set when the shards time out before they have enqueued everyone. */
  fanOutStopsAfter?: number;
}

/**
 * Throughput ceilings of one workload under default quotas; the smallest binds. The worker's
 * ceiling is its concurrency times what one container does per second; the SQS event source
 * reaches that concurrency only after its ramp (5 batches, +300 per minute).
 */
export function scale(input: ScaleInput): ScaleResult {
  const p = input.perCustomer;
  const limits: Limit[] = [];
  const perContainer = 1000 / input.workerMsPerCustomer;
  const workerConcurrency = Math.min(
    input.workerConcurrency,
    quotas.sqsMaxConcurrency,
    quotas.lambdaConcurrency,
  );
  // No worker time: nobody is queued (a daily run with everyone up to date).
  if (input.workerMsPerCustomer > 0)
    limits.push({
      name: `segmentWorker concurrency ${workerConcurrency}`,
      customersPerSecond: workerConcurrency * perContainer,
      note: `${perContainer.toFixed(0)} customers/s per container (measured ${input.workerMsPerCustomer.toFixed(2)} ms each)`,
    });
  if (input.ingestMsPerCustomer !== undefined) {
    const free = quotas.lambdaConcurrency - input.workerConcurrency;
    limits.push({
      name: `ingest Lambda concurrency (${free} unreserved)`,
      customersPerSecond: (free * 1000) / input.ingestMsPerCustomer,
      note: `measured ${input.ingestMsPerCustomer.toFixed(2)} ms of ingest function time per customer`,
    });
  }
  if (p.apiRequests > 0)
    limits.push({
      name: 'API Gateway 10,000 requests/s',
      customersPerSecond: quotas.apiGatewayRequestsPerSecond / p.apiRequests,
      note: `${p.apiRequests.toFixed(3)} requests per customer`,
    });
  if (p.kmsRequests > 0)
    limits.push({
      name: 'KMS 10,000 requests/s',
      customersPerSecond: quotas.kmsRequestsPerSecond / p.kmsRequests,
      note: `${p.kmsRequests.toFixed(4)} requests per customer`,
    });
  if (p.eventBridgeEntries > 0)
    limits.push({
      name: 'EventBridge PutEvents 10,000/s',
      customersPerSecond: quotas.eventBridgePutEventsPerSecond / p.eventBridgeEntries,
      note: `${p.eventBridgeEntries.toFixed(3)} events per customer`,
    });
  const writeCeiling = input.warmTables
    ? quotas.dynamoTableWriteUnitsPerSecond
    : quotas.dynamoNewTableWriteUnitsPerSecond;
  const readCeiling = input.warmTables
    ? quotas.dynamoTableReadUnitsPerSecond
    : quotas.dynamoNewTableReadUnitsPerSecond;
  const state = input.warmTables ? 'warm table' : 'new on-demand table';
  for (const [table, u] of Object.entries(p.byTable)) {
    if (u.writeUnits > 0)
      limits.push({
        name: `DynamoDB ${shortTable(table)} writes (${state}, ${writeCeiling.toLocaleString('en')} WRU/s)`,
        customersPerSecond: writeCeiling / u.writeUnits,
        note: `${u.writeUnits.toFixed(2)} WRU per customer`,
      });
    if (u.readUnits > 0)
      limits.push({
        name: `DynamoDB ${shortTable(table)} reads (${state}, ${readCeiling.toLocaleString('en')} RRU/s)`,
        customersPerSecond: readCeiling / u.readUnits,
        note: `${u.readUnits.toFixed(2)} RRU per customer`,
      });
  }
  if (input.hotPartitionWriteUnits)
    limits.push({
      name: 'one GSI shard partition (audit byDayShard, assignments bySegmentShard "low#NN"): 1,000 WRU/s',
      customersPerSecond: quotas.dynamoPartitionWriteUnitsPerSecond / input.hotPartitionWriteUnits,
      note: `${input.hotPartitionWriteUnits.toFixed(2)} WRU per decision into the busiest of 16 index shards keyed by day or segment, time-ordered sort key: no split for heat`,
    });
  // Sharded fan-out: each shard is one invocation scanning 1/N of the table; as many at once as the
  // unreserved Lambda concurrency allows, each shard's time bounded by its timeout.
  const shards = input.fanOutShards ?? 1;
  const concurrentShards = Math.min(shards, quotas.lambdaConcurrency - input.workerConcurrency);
  const fanOutReach =
    input.fanOutPerSecond !== undefined && input.fanOutTimeoutSeconds !== undefined
      ? shards * input.fanOutPerSecond * input.fanOutTimeoutSeconds
      : Number.POSITIVE_INFINITY;
  if (input.fanOutPerSecond !== undefined && input.fanOutTimeoutSeconds !== undefined)
    limits.push({
      name: `fan-out: ${shards} shard invocation(s), ${concurrentShards} at once, ${input.fanOutTimeoutSeconds} s timeout each`,
      customersPerSecond: concurrentShards * input.fanOutPerSecond,
      note:
        fanOutReach < input.customers
          ? `~${Math.round(input.fanOutPerSecond)}/s per shard: the shards time out after ${Math.round(fanOutReach).toLocaleString('en')} customers`
          : `~${Math.round(input.fanOutPerSecond)}/s per shard, ${Math.round(input.customers / shards).toLocaleString('en')} customers each`,
    });
  const binding = limits.reduce((a, b) => (b.customersPerSecond < a.customersPerSecond ? b : a));
  // Ramp of the SQS event source from 5 to the worker's concurrency, +300 per minute.
  const rampSeconds =
    input.workerMsPerCustomer > 0
      ? (Math.max(0, workerConcurrency - quotas.sqsStartConcurrency) / quotas.sqsConcurrencyPerMinute) * 60
      : 0;
  const seconds = input.customers / binding.customersPerSecond + rampSeconds / 2;
  const reach = fanOutReach;
  return {
    limits: limits.sort((a, b) => a.customersPerSecond - b.customersPerSecond),
    binding,
    rampSeconds,
    seconds,
    ...(reach < input.customers ? { fanOutStopsAfter: Math.round(reach) } : {}),
  };
}

export const reservedWorkerConcurrency =
  functions.segmentWorker.reservedConcurrency ?? quotas.lambdaConcurrency;

/** Scan shards of a run over 10 million customers as deployed: one per 5,000, at least RESEGMENT_SHARDS (32). */
export const deployedShards = scanShards(10_000_000, defaultShards);

function shortTable(table: string): string {
  return table.replace(/^riskloop-[a-z0-9]+-/, '');
}

export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** `a` plus `k` times `b`: a customer and its k transactions. */
export function combine(a: PerCustomer, b: PerCustomer, k: number): PerCustomer {
  const byTable: PerCustomer['byTable'] = {};
  for (const t of new Set([...Object.keys(a.byTable), ...Object.keys(b.byTable)]))
    byTable[t] = {
      readUnits: (a.byTable[t]?.readUnits ?? 0) + k * (b.byTable[t]?.readUnits ?? 0),
      writeUnits: (a.byTable[t]?.writeUnits ?? 0) + k * (b.byTable[t]?.writeUnits ?? 0),
    };
  const functionsOf: PerCustomer['functions'] = {};
  for (const f of new Set([...Object.keys(a.functions), ...Object.keys(b.functions)]))
    functionsOf[f] = {
      invocations: (a.functions[f]?.invocations ?? 0) + k * (b.functions[f]?.invocations ?? 0),
      ms: (a.functions[f]?.ms ?? 0) + k * (b.functions[f]?.ms ?? 0),
    };
  const sum = (f: (x: PerCustomer) => number) => f(a) + k * f(b);
  const byIndex: PerCustomer['byIndex'] = {};
  for (const i of new Set([...Object.keys(a.byIndex), ...Object.keys(b.byIndex)]))
    byIndex[i] = (a.byIndex[i] ?? 0) + k * (b.byIndex[i] ?? 0);
  return {
    dynamoReadUnits: sum((x) => x.dynamoReadUnits),
    dynamoWriteUnits: sum((x) => x.dynamoWriteUnits),
    byTable,
    byIndex,
    sqsRequests: sum((x) => x.sqsRequests),
    kmsRequests: sum((x) => x.kmsRequests),
    eventBridgeEntries: sum((x) => x.eventBridgeEntries),
    lambdaInvocations: sum((x) => x.lambdaInvocations),
    lambdaGbSeconds: sum((x) => x.lambdaGbSeconds),
    apiRequests: sum((x) => x.apiRequests),
    logBytes: sum((x) => x.logBytes),
    functions: functionsOf,
  };
}
