import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Runtime, startRuntime } from '../../infra/local/runtime.js';

/** Shared by the benchmarks that need the whole local system (DynamoDB Local in memory). */
export const concurrency = 4;
const lawfulBasis = {
  risk_assessment: {
    basis: 'legal_obligation',
    recordedAt: '2026-01-01T00:00:00Z',
    source: 'bench',
    version: 'v1',
  },
};

export async function startBenchStack(
  options: { countRequests?: boolean; logLevel?: 'WARN' | 'INFO' } = {},
): Promise<{
  runtime: Runtime;
  doc: DynamoDBDocumentClient;
  stop(): Promise<void>;
}> {
  process.env.POWERTOOLS_LOG_LEVEL = options.logLevel ?? 'WARN';
  const dataDir = mkdtempSync(join(tmpdir(), 'riskloop-bench-'));
  const runtime = await startRuntime({
    root: resolve(import.meta.dirname, '../..'),
    dataDir,
    port: 0,
    dynamoInMemory: process.env.BENCH_DYNAMODB_ON_DISK !== 'true',
    ...(options.countRequests ? { countRequests: true } : {}),
    log: () => {},
  });
  const doc = benchDocClient(runtime.endpoints.dynamodb);
  return {
    runtime,
    doc,
    stop: async () => {
      doc.destroy();
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A document client of the local DynamoDB, as the benchmarks write to it directly. */
export const benchDocClient = (endpoint: string) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint,
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );

/** BatchWriteItem of `n` items made by `item(i)`, `concurrency` writers, unprocessed items retried. */
export async function writeItems(
  doc: DynamoDBDocumentClient,
  table: string,
  n: number,
  item: (i: number) => Record<string, unknown>,
  writers = concurrency,
) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const from = next;
      next += 25;
      const items = Array.from({ length: Math.min(25, n - from) }, (_, i) => ({
        PutRequest: { Item: item(from + i) },
      }));
      let request: Record<string, unknown[]> | undefined = { [table]: items };
      while (request && Object.keys(request).length > 0) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: request as never }));
        request = out.UnprocessedItems as Record<string, unknown[]> | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, worker));
}

/** Items/s of a raw parallel Scan (4 segments) of `table`: the baseline of population-wide work. */
export async function rawParallelScan(
  doc: DynamoDBDocumentClient,
  table: string,
  /** Segments of the scan (TotalSegments), `concurrency` of them scanned at a time. */
  options: { segments?: number; concurrency?: number } = {},
): Promise<number> {
  const { segments = 4, concurrency = 4 } = options;
  const started = performance.now();
  let next = 0;
  let total = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, segments) }, async () => {
      for (let segment = next++; segment < segments; segment = next++) {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(
            new ScanCommand({
              TableName: table,
              Segment: segment,
              TotalSegments: segments,
              ExclusiveStartKey: startKey,
            }),
          );
          total += page.Count ?? 0;
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

export async function postCustomers(
  runtime: { apiUrl: string; credentials: { ingest: string } },
  tag: string,
  n: number,
) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const from = next;
      next += 100;
      const records = Array.from({ length: Math.min(100, n - from) }, (_, i) => ({
        externalId: `BENCH-${tag}-${from + i}`,
        type: (from + i) % 7 === 0 ? 'corporate' : 'individual',
        personalData: { name: `Bench Person ${from + i}`, email: `p${from + i}@bench.example` },
        jurisdictions: [(from + i) % 13 === 0 ? 'IR' : 'DE'],
        lawfulBasis,
      }));
      const res = await fetch(`${runtime.apiUrl}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${runtime.credentials.ingest}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ records }),
      });
      if (res.status !== 207) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function waitForAssignments(doc: DynamoDBDocumentClient, table: string, expected: number) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: startKey }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (count >= expected) return;
    if (Date.now() > deadline) throw new Error(`only ${count}/${expected} assignments after 10 minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
