import { Agent } from 'node:http';
import {
  type FunctionName,
  functions,
  resourceName,
  type TableName,
  type TableSpec,
  tables,
} from '../manifest.js';
import { listen, readBody, relay } from './relay.js';

/**
 * Local-only request metering (RISKLOOP_COUNT_REQUESTS=true): what the system would be billed for
 * on AWS, counted on the wire. A small proxy sits between the handlers and each stand-in, so the
 * production code and its SDK clients stay exactly as deployed; only their endpoints differ.
 *
 * - DynamoDB reads: `ReturnConsumedCapacity: 'TOTAL'` is added to every read and the units DynamoDB
 *   Local reports are summed (0.5 per started 4 KB, eventually consistent), with AWS's minimum of one
 *   unit per Query or Scan that DynamoDB Local omits when nothing matches.
 * - DynamoDB writes are computed from the request, because DynamoDB Local under-reports transactions
 *   (three 500-byte puts in one TransactWriteItems come back as 2 units; AWS bills 6): one unit per
 *   started KB of each item put, doubled inside transactions, plus one per started KB for each GSI
 *   whose keys the item carries. Updates, deletes and condition checks count as items of at most 1 KB.
 *   Units are kept per table.
 * - SQS: requests per operation, billed requests (one per started 64 KB of payload), messages sent.
 * - KMS and EventBridge: requests per operation; PutEvents entries (EventBridge bills per entry).
 * - Lambda: invocations, failures and wall-clock duration per function, fed by `LocalLambdas`;
 *   GB-seconds use the manifest's memory. API requests are the invocations of HTTP functions.
 */
export type MeteredService = 'dynamodb' | 'sqs' | 'kms' | 'eventbridge';

export interface FunctionUsage {
  invocations: number;
  failures: number;
  durationMs: number;
  memoryMb: number;
  gbSeconds: number;
}

export interface Usage {
  since: string;
  dynamodb: {
    requests: Record<string, number>;
    readUnits: number;
    writeUnits: number;
    byTable: Record<string, { readUnits: number; writeUnits: number }>;
  };
  /** `emptyReceives`: polls that returned nothing (on AWS a fixed cost of the event source, not per customer). */
  sqs: {
    requests: Record<string, number>;
    billedRequests: number;
    messagesSent: number;
    emptyReceives: number;
  };
  kms: { requests: Record<string, number>; total: number };
  eventbridge: { requests: Record<string, number>; entries: number };
  lambda: Record<string, FunctionUsage>;
  api: { requests: number };
}

const capacityOperations = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const readOperations = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/** GSI key attributes per physical table name: an item is written to an index only if it has them. */
export type TableIndexes = Record<string, { partitionKey: string; sortKey?: string }[]>;

type AttributeValue = Record<string, unknown>;

/** The manifest's GSIs by physical table name, for a stage. */
export function tableIndexes(stage: string): TableIndexes {
  return Object.fromEntries(
    (Object.keys(tables) as TableName[]).map((name) => [
      resourceName(stage, name),
      Object.values((tables[name] as TableSpec).globalIndexes ?? {}),
    ]),
  );
}
const sqsBillingChunk = 64 * 1024;

interface Capacity {
  TableName?: string;
  CapacityUnits?: number;
}

export class UsageMeter {
  private usage: Usage = emptyUsage();

  constructor(private readonly indexes: TableIndexes = {}) {}
  private readonly servers: { close(): Promise<void> }[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  /** Starts one metering proxy per stand-in; handlers get these endpoints instead of the real ones. */
  async proxyAll(
    endpoints: Record<MeteredService, string>,
    host = '127.0.0.1',
  ): Promise<Record<MeteredService, string>> {
    const out = {} as Record<MeteredService, string>;
    for (const service of Object.keys(endpoints) as MeteredService[]) {
      out[service] = await this.proxy(service, endpoints[service], host);
    }
    return out;
  }

  /** Called by the local Lambda runtime after each invocation. */
  recordInvocation(name: FunctionName, durationMs: number, failed: boolean): void {
    const memoryMb = functions[name].memoryMb;
    const entry = this.usage.lambda[name] ?? {
      invocations: 0,
      failures: 0,
      durationMs: 0,
      memoryMb,
      gbSeconds: 0,
    };
    this.usage.lambda[name] = entry;
    entry.invocations += 1;
    if (failed) entry.failures += 1;
    entry.durationMs += durationMs;
    // Lambda bills duration in whole milliseconds, rounded up.
    entry.gbSeconds += (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
    if (functions[name].trigger.kind === 'http') this.usage.api.requests += 1;
  }

  snapshot(): Usage {
    return structuredClone(this.usage);
  }

  reset(): void {
    this.usage = emptyUsage();
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
    this.agent.destroy();
  }

  private async proxy(service: MeteredService, target: string, host: string): Promise<string> {
    const upstream = new URL(target);
    const server = await listen((req, res) => {
      void readBody(req).then((raw) => {
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
        relay(upstream, req, res, this.before(service, operation, raw), {
          agent: this.agent,
          seen: (answer) => this.after(service, operation, answer),
        });
      });
    }, host);
    this.servers.push(server);
    return server.url;
  }

  private before(service: MeteredService, operation: string, raw: Buffer): Buffer {
    const count = (requests: Record<string, number>) => {
      requests[operation] = (requests[operation] ?? 0) + 1;
    };
    const json = () => {
      try {
        return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    switch (service) {
      case 'dynamodb': {
        count(this.usage.dynamodb.requests);
        const input = capacityOperations.has(operation) ? json() : undefined;
        if (!input) return raw;
        if (!readOperations.has(operation)) {
          this.countWrites(operation, input);
          return raw;
        }
        if (input.ReturnConsumedCapacity !== undefined) return raw;
        return Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
      }
      case 'sqs': {
        count(this.usage.sqs.requests);
        this.usage.sqs.billedRequests += Math.max(1, Math.ceil(raw.length / sqsBillingChunk));
        if (operation === 'SendMessage') this.usage.sqs.messagesSent += 1;
        if (operation === 'SendMessageBatch')
          this.usage.sqs.messagesSent += ((json()?.Entries as unknown[] | undefined) ?? []).length;
        return raw;
      }
      case 'kms':
        count(this.usage.kms.requests);
        this.usage.kms.total += 1;
        return raw;
      case 'eventbridge':
        count(this.usage.eventbridge.requests);
        if (operation === 'PutEvents')
          this.usage.eventbridge.entries += ((json()?.Entries as unknown[] | undefined) ?? []).length;
        return raw;
    }
  }

  private after(service: MeteredService, operation: string, answer: Buffer): void {
    if (service === 'sqs' && operation === 'ReceiveMessage') {
      try {
        const messages = (JSON.parse(answer.toString('utf8')) as { Messages?: unknown[] }).Messages;
        if (!messages || messages.length === 0) this.usage.sqs.emptyReceives += 1;
      } catch {}
      return;
    }
    if (service !== 'dynamodb' || !readOperations.has(operation)) return;
    let consumed: Capacity | Capacity[] | undefined;
    try {
      consumed = (JSON.parse(answer.toString('utf8')) as { ConsumedCapacity?: Capacity | Capacity[] })
        .ConsumedCapacity;
    } catch {
      return;
    }
    const minimum = operation === 'Query' || operation === 'Scan' ? 0.5 : 0;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : [])
      this.add(c.TableName ?? 'unknown', 'readUnits', Math.max(minimum, c.CapacityUnits ?? 0));
  }

  private add(tableName: string, kind: 'readUnits' | 'writeUnits', units: number): void {
    this.usage.dynamodb[kind] += units;
    const table = this.usage.dynamodb.byTable[tableName] ?? { readUnits: 0, writeUnits: 0 };
    this.usage.dynamodb.byTable[tableName] = table;
    table[kind] += units;
  }

  /** Write units as AWS bills them, from the items in the request (see the note at the top). */
  private countWrites(operation: string, input: Record<string, unknown>): void {
    const put = (tableName: string, item: AttributeValue, factor: number) => {
      const kb = Math.max(1, Math.ceil(itemSize(item) / 1024));
      let units = kb * factor;
      for (const index of this.indexes[tableName] ?? [])
        if (item[index.partitionKey] !== undefined && (!index.sortKey || item[index.sortKey] !== undefined))
          units += kb;
      this.add(tableName, 'writeUnits', units);
    };
    const table = String(input.TableName ?? 'unknown');
    switch (operation) {
      case 'PutItem':
        put(table, (input.Item ?? {}) as AttributeValue, 1);
        return;
      case 'UpdateItem':
      case 'DeleteItem':
        this.add(table, 'writeUnits', 1);
        return;
      case 'BatchWriteItem':
        for (const [name, requests] of Object.entries(
          (input.RequestItems ?? {}) as Record<string, unknown[]>,
        ))
          for (const r of requests as { PutRequest?: { Item: AttributeValue } }[])
            if (r.PutRequest) put(name, r.PutRequest.Item, 1);
            else this.add(name, 'writeUnits', 1);
        return;
      case 'TransactWriteItems':
        for (const action of (input.TransactItems ?? []) as Record<
          string,
          { TableName?: string; Item?: AttributeValue }
        >[])
          for (const [kind, a] of Object.entries(action))
            if (kind === 'Put') put(String(a.TableName), a.Item ?? {}, 2);
            else this.add(String(a.TableName), 'writeUnits', 2);
    }
  }
}

function emptyUsage(): Usage {
  return {
    since: new Date().toISOString(),
    dynamodb: { requests: {}, readUnits: 0, writeUnits: 0, byTable: {} },
    sqs: { requests: {}, billedRequests: 0, messagesSent: 0, emptyReceives: 0 },
    kms: { requests: {}, total: 0 },
    eventbridge: { requests: {}, entries: 0 },
    lambda: {},
    api: { requests: 0 },
  };
}

/** DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~1 byte per 2 digits). */
export function itemSize(item: AttributeValue): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: unknown): number {
  const [type, v] = Object.entries(value as AttributeValue)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N':
      return Math.ceil(String(v).replace(/^-|\./g, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'SS':
    case 'NS':
    case 'BS':
      return (v as unknown[]).reduce<number>((a, x) => a + valueSize({ [type.slice(0, 1)]: x }), 0);
    case 'L':
      return 3 + (v as unknown[]).reduce<number>((a, x) => a + 1 + valueSize(x), 0);
    case 'M':
      return 3 + Object.values(v as AttributeValue).length + itemSize(v as AttributeValue);
    default:
      return 1;
  }
}
