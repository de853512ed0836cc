import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { postCustomers, startBenchStack, waitForAssignments, writeItems } from './local-stack.js';
import type { BenchResult } from './measure.js';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 3000);

/**
 * End to end through the local stack (HTTP → ingest → SQS → worker → DynamoDB) against the raw
 * write rate of the same DynamoDB Local, plus KMS calls per 10,000 records in steady state.
 */
export async function run(): Promise<BenchResult[]> {
  const { runtime, doc, stop } = await startBenchStack();
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
        baseline: { label: 'records', opsPerSec: customers, unit: 'records' },
        subject: { label: 'KMS calls', opsPerSec: kmsSteady, unit: 'calls' },
        ratio: perTenThousand,
        target: 0,
        budget: 1,
      },
    ];
  } finally {
    await stop();
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
  await writeItems(doc, 'bench-raw', n, (i) => ({ pk: `warm-${i}`, payload }));
  const started = performance.now();
  await writeItems(doc, 'bench-raw', n, (i) => ({ pk: `timed-${i}`, payload }));
  return { label: 'raw BatchWriteItem items/s', opsPerSec: n / ((performance.now() - started) / 1000) };
}

async function kmsTotal(adminUrl: string): Promise<number> {
  const stats = ((await (await fetch(adminUrl)).json()) as { kms: Record<string, number> }).kms;
  return Object.values(stats).reduce((a, b) => a + b, 0);
}
