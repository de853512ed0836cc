import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import {
  type FunctionName,
  functions,
  resourceName,
  type TableName,
  type TableSpec,
  tables,
} from '../manifest.js';
import { listen, readBody, relay } from './relay.js';
import { itemSize, itemWriteUnits, type WireItem } from './write-billing.js';
import { keyId, type TableShapes, targetId, type WriteTarget, writeTargets } from './write-targets.js';

export { itemSize } from './write-billing.js';
export type { TableShapes } from './write-targets.js';

/**
 * Local-only request metering (RISKLOOP_COUNT_REQUESTS=true): what the system would be billed for
 * on AWS, counted on the wire. A small proxy sits between the handlers and each stand-in, so the
 * production code and its SDK clients stay exactly as deployed; only their endpoints differ.
 *
 * - DynamoDB reads: `ReturnConsumedCapacity: 'TOTAL'` is added to every read and the units DynamoDB
 *   Local reports are summed (0.5 per started 4 KB, eventually consistent), with AWS's minimum of one
 *   unit per Query or Scan that DynamoDB Local omits when nothing matches.
 * - DynamoDB writes are computed from the items, because DynamoDB Local does not bill as AWS does
 *   (it under-reports transactions and index writes): the proxy reads each item written just before
 *   and after the write (reads that are not counted) and bills it as AWS documents
 *   (`write-billing.ts`): the larger of the two sizes, doubled inside transactions, plus the writes
 *   of each index whose entry the write adds, changes or removes, by projected size. A write refused
 *   by its condition is billed by the item as it stands. Units are kept per table and per index.
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
    /** Of the write units, those of each index (`table/index`), already counted in its table's. */
    byIndex: Record<string, number>;
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

/** The manifest's tables by physical name, for a stage. */
export function tableShapes(stage: string): TableShapes {
  return Object.fromEntries(
    (Object.keys(tables) as TableName[]).map((name) => {
      const spec = tables[name] as TableSpec;
      return [
        resourceName(stage, name),
        {
          keys: [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])],
          indexes: spec.globalIndexes ?? {},
        },
      ];
    }),
  );
}

const writeOperations = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const sqsBillingChunk = 64 * 1024;

interface Capacity {
  TableName?: string;
  CapacityUnits?: number;
}

export class UsageMeter {
  private usage: Usage = emptyUsage();

  constructor(private readonly shapes: TableShapes = {}) {}
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
      void readBody(req).then(async (raw) => {
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
        const body = this.before(service, operation, raw);
        const billing =
          service === 'dynamodb' && writeOperations.has(operation)
            ? await this.writeBilling(upstream, req.headers, operation, raw).catch(() => undefined)
            : undefined;
        relay(upstream, req, res, body, {
          agent: this.agent,
          seen: (answer) => this.after(service, operation, answer),
          ...(billing ? { inspect: billing } : {}),
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
        if (!readOperations.has(operation)) return raw;
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

  /**
   * Reads the items a write touches before it is sent, and returns what bills the write once its
   * answer is in (reading updated items back first). The client is answered only after that, so its
   * next write to the same item cannot overtake the reading. A put on the condition that its item
   * is absent is not read first: written, it was absent; refused, it is read afterwards, unchanged.
   * That keeps the meter's own reads off most of the ingest path, whose durations it also measures.
   */
  private async writeBilling(
    upstream: URL,
    headers: IncomingHttpHeaders,
    operation: string,
    raw: Buffer,
  ): Promise<(status: number, answer: Buffer) => Promise<void>> {
    const targets = writeTargets(
      operation,
      JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
      this.shapes,
    );
    const read = (wanted: WriteTarget[]) => this.readItems(upstream, headers, wanted);
    const idOf = (t: WriteTarget) => targetId(t, this.shapes);
    const before = await read(targets.filter((t) => !t.absentIfWritten));
    return async (status, answer) => {
      const reply = parseJson(answer);
      const type = String(reply.__type ?? '');
      const refused =
        type.endsWith('ConditionalCheckFailedException') || type.endsWith('TransactionCanceledException');
      if (refused)
        for (const [id, item] of await read(targets.filter((t) => t.absentIfWritten))) before.set(id, item);
      let billed: { target: WriteTarget; after: WireItem | undefined; proposed?: number }[];
      if (status < 300) {
        const unprocessed = new Set(
          writeTargets('BatchWriteItem', { RequestItems: reply.UnprocessedItems ?? {} }, this.shapes).map(
            idOf,
          ),
        );
        const written = targets.filter((t) => !unprocessed.has(idOf(t)));
        const updated = await read(written.filter((t) => t.kind === 'Update'));
        // As stored after the write: a condition check leaves the item as it was.
        const after = (t: WriteTarget): WireItem | undefined => {
          if (t.kind === 'Put') return t.item;
          if (t.kind === 'Update') return updated.get(idOf(t));
          return t.kind === 'Delete' ? undefined : before.get(idOf(t));
        };
        billed = written.map((target) => ({ target, after: after(target) }));
      } else if (refused) {
        // Refused writes are billed too, by the item as it stands.
        billed = targets.map((target) => ({
          target,
          after: before.get(idOf(target)),
          proposed: target.item ? itemSize(target.item) : 0,
        }));
      } else billed = []; // throttled or invalid requests are not billed
      for (const { target, after, proposed } of billed) {
        const shape = this.shapes[target.table] ?? { keys: [], indexes: {} };
        const units = itemWriteUnits(shape, before.get(idOf(target)), after, target.factor, proposed);
        this.add(target.table, 'writeUnits', units.table);
        for (const [index, n] of Object.entries(units.indexes)) {
          if (n === 0) continue;
          this.add(target.table, 'writeUnits', n);
          const id = `${target.table}/${index}`;
          this.usage.dynamodb.byIndex[id] = (this.usage.dynamodb.byIndex[id] ?? 0) + n;
        }
      }
    };
  }

  /** The items as they stand, by target id, read straight from the stand-in (not counted). */
  private async readItems(
    upstream: URL,
    headers: IncomingHttpHeaders,
    targets: readonly WriteTarget[],
  ): Promise<Map<string, WireItem>> {
    const found = new Map<string, WireItem>();
    const known = targets.filter((t) => this.shapes[t.table]);
    for (let i = 0; i < known.length; i += 100) {
      let requestItems: Record<string, { Keys: WireItem[]; ConsistentRead: boolean }> = {};
      for (const t of known.slice(i, i + 100)) {
        const entry = requestItems[t.table] ?? { Keys: [], ConsistentRead: true };
        entry.Keys.push(t.key);
        requestItems[t.table] = entry;
      }
      while (Object.keys(requestItems).length > 0) {
        const reply = parseJson(
          await this.call(upstream, headers, 'BatchGetItem', { RequestItems: requestItems }),
        ) as { Responses?: Record<string, WireItem[]>; UnprocessedKeys?: typeof requestItems };
        for (const [table, items] of Object.entries(reply.Responses ?? {}))
          for (const item of items) found.set(keyId(table, item, this.shapes), item);
        requestItems = reply.UnprocessedKeys ?? {};
      }
    }
    return found;
  }

  private call(
    upstream: URL,
    headers: IncomingHttpHeaders,
    operation: string,
    input: unknown,
  ): Promise<Buffer> {
    const body = Buffer.from(JSON.stringify(input));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: '/',
          agent: this.agent,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'content-length': String(body.length),
            'x-amz-target': `DynamoDB_20120810.${operation}`,
            ...(headers.authorization ? { authorization: headers.authorization } : {}),
            ...(headers['x-amz-date'] ? { 'x-amz-date': headers['x-amz-date'] } : {}),
          },
        },
        (res) => void readBody(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

const parseJson = (raw: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

function emptyUsage(): Usage {
  return {
    since: new Date().toISOString(),
    dynamodb: { requests: {}, readUnits: 0, writeUnits: 0, byTable: {}, byIndex: {} },
    sqs: { requests: {}, billedRequests: 0, messagesSent: 0, emptyReceives: 0 },
    kms: { requests: {}, total: 0 },
    eventbridge: { requests: {}, entries: 0 },
    lambda: {},
    api: { requests: 0 },
  };
}
