import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startRuntime } from '../../infra/local/runtime.js';
import type { BenchResult } from './measure.js';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 3000);
const concurrency = 4;
const lawfulBasis = {
  risk_assessment: {
    basis: 'legal_obligation',
    recordedAt: '2026-01-01T00:00:00Z',
    source: 'bench',
    version: 'v1',
  },
};

/**
 * End to end through the local stack (HTTP → ingest → SQS → worker → DynamoDB) against the raw
 * write rate of the same DynamoDB Local, plus KMS calls per 10,000 records in steady state.
 */
export async function run(): Promise<BenchResult[]> {
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  const dataDir = mkdtempSync(join(tmpdir(), 'riskloop-bench-'));
  const runtime = await startRuntime({
    root: resolve(import.meta.dirname, '../..'),
    dataDir,
    port: 0,
    dynamoInMemory: process.env.BENCH_DYNAMODB_ON_DISK !== 'true',
    log: () => {},
  });
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: runtime.endpoints.dynamodb,
    }),
  );
  try {
    const baseline = await rawBatchWrite(doc, customers);
    const kmsBefore = await kmsTotal(runtime.adminUrl);
    // Warm-up: cold starts (key unwrapping, model compilation) are not steady state.
    await postCustomers(runtime, 'warm', 100);
    await waitForAssignments(doc, runtime.env.TABLE_ASSIGNMENTS as string, 100);
    const kmsWarm = await kmsTotal(runtime.adminUrl);

    const started = performance.now();
    await postCustomers(runtime, 'run', customers);
    const ingestSeconds = (performance.now() - started) / 1000;
    await waitForAssignments(doc, runtime.env.TABLE_ASSIGNMENTS as string, 100 + customers);
    const seconds = (performance.now() - started) / 1000;
    const kmsSteady = (await kmsTotal(runtime.adminUrl)) - kmsWarm;
    const perTenThousand = (kmsSteady / customers) * 10_000;
    const subject = { label: 'customers/s ingested → segmented', opsPerSec: customers / seconds };
    return [
      {
        name: 'end-to-end vs raw BatchWriteItem',
        baseline,
        subject,
        ratio: subject.opsPerSec / baseline.opsPerSec,
        target: 0.25,
        notes: `${customers} customers (ingest alone: ${Math.round(customers / ingestSeconds)}/s); KMS calls: ${kmsWarm - kmsBefore} at cold start, ${kmsSteady} in steady state`,
      },
      {
        name: 'KMS calls per 10,000 records (steady state, after warm-up)',
        baseline: { label: 'records', opsPerSec: customers },
        subject: { label: 'KMS calls', opsPerSec: kmsSteady },
        ratio: perTenThousand,
        target: 0,
        budget: 1,
      },
    ];
  } finally {
    doc.destroy();
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function rawBatchWrite(doc: DynamoDBDocumentClient, n: number) {
  await doc.send(
    new CreateTableCommand({
      TableName: 'bench-raw',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
  const payload = 'x'.repeat(600);
  // Warm the JVM first: a cold DynamoDB Local is several times slower than a warm one.
  await writeItems(doc, 'warm', n, payload);
  const started = performance.now();
  await writeItems(doc, 'timed', n, payload);
  return { label: 'raw BatchWriteItem items/s', opsPerSec: n / ((performance.now() - started) / 1000) };
}

async function writeItems(doc: DynamoDBDocumentClient, tag: string, n: number, payload: string) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const from = next;
      next += 25;
      const items = Array.from({ length: Math.min(25, n - from) }, (_, i) => ({
        PutRequest: { Item: { pk: `${tag}-${from + i}`, payload } },
      }));
      let request: Record<string, unknown[]> | undefined = { 'bench-raw': items };
      while (request && Object.keys(request).length > 0) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: request as never }));
        request = out.UnprocessedItems as Record<string, unknown[]> | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function postCustomers(
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

async function waitForAssignments(doc: DynamoDBDocumentClient, table: string, expected: number) {
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

async function kmsTotal(adminUrl: string): Promise<number> {
  const stats = ((await (await fetch(adminUrl)).json()) as { kms: Record<string, number> }).kms;
  return Object.values(stats).reduce((a, b) => a + b, 0);
}
