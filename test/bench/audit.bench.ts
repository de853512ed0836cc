/**
 * The tamper-evident audit trail's costs, against DynamoDB Local:
 * - writing: audit records through transactUnits with the container's hash chain (links computed,
 *   head item in every transaction) vs the same records as plain conditional puts in the same
 *   transactions, 4 concurrent writers each with its own chain (as 4 Lambda containers would be);
 * - verifying: records verified/s by verifyAuditTrail (index reads, hashing, link walk) vs a raw
 *   Query of the same day's records.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AuditChainWriter } from '../../shared/adapters/audit-chain-writer.js';
import { auditPut } from '../../shared/adapters/dynamo-audit-log.js';
import { DynamoAuditTrail } from '../../shared/adapters/dynamo-audit-trail.js';
import { transactUnits } from '../../shared/adapters/dynamo-transact.js';
import { shardKeys } from '../../shared/adapters/index-shards.js';
import { auditEvent } from '../../shared/domain/audit.js';
import type { CheckpointSigner } from '../../shared/domain/audit-trail/signer.js';
import { verifyAuditTrail } from '../../shared/domain/audit-trail/verify.js';
import { concurrency, startBenchStack } from './local-stack.js';
import { type BenchResult, compare } from './measure.js';

const records = Number(process.env.BENCH_AUDIT_RECORDS ?? 4000);
const perTransaction = 50;
const unchainedDay = new Date('2020-01-01T12:00:00Z');

const event = (run: string, i: number, at: Date) =>
  auditEvent({
    eventId: `${run}#${i}`,
    subject: `k1.${String(i % 997).padStart(43, 'x')}`,
    actor: { type: 'system', id: 'bench' },
    action: 'segment.assigned',
    reasonCodes: ['HIGH_RISK_JURISDICTION', 'CASH_INTENSIVE'],
    requestId: `bench-${run}`,
    at,
    modelVersion: 'aml-default@1',
    details: { segment: 'high', score: 62, before: null, after: 'high' },
  });

async function writeAll(
  doc: DynamoDBDocumentClient,
  table: string,
  run: string,
  chainFor: (writer: number) => AuditChainWriter | undefined,
): Promise<number> {
  const started = performance.now();
  const share = Math.ceil(records / concurrency);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const chain = chainFor(w);
      for (let from = w * share; from < Math.min(records, (w + 1) * share); from += perTransaction) {
        const units = Array.from({ length: Math.min(perTransaction, records - from) }, (_, k) => [
          // Plain records are dated another day, so verifying today's chains does not meet them.
          auditPut(table, event(run, from + k, chain ? new Date() : unchainedDay)),
        ]);
        await transactUnits(doc, units, chain);
      }
    }),
  );
  return (records * 1000) / (performance.now() - started);
}

export async function run(): Promise<BenchResult[]> {
  const stack = await startBenchStack();
  try {
    const table = stack.runtime.env.TABLE_AUDIT as string;
    const client = () =>
      DynamoDBDocumentClient.from(
        new DynamoDBClient({
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          endpoint: stack.runtime.endpoints.dynamodb,
        }),
      );
    const doc = client();
    // Warm the JVM and the table on both paths before timing.
    await writeAll(doc, table, 'warm-plain', () => undefined);
    await writeAll(doc, table, 'warm-chained', () => new AuditChainWriter(doc, table));

    const plain = await writeAll(doc, table, 'plain', () => undefined);
    const chains = Array.from({ length: concurrency }, () => new AuditChainWriter(doc, table));
    const chained = await writeAll(doc, table, 'chained', (w) => chains[w]);

    // Verification of everything chained today, against raw reads of the same day's records.
    const trail = new DynamoAuditTrail(doc, table);
    const rawStarted = performance.now();
    let rawItems = 0;
    const today = new Date().toISOString().slice(0, 10);
    for (const key of shardKeys(today)) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'byDayShard',
            KeyConditionExpression: '#d = :d',
            ExpressionAttributeNames: { '#d': 'dayShard' },
            ExpressionAttributeValues: { ':d': key },
            ExclusiveStartKey: startKey,
          }),
        );
        rawItems += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    const rawRate = (rawItems * 1000) / (performance.now() - rawStarted);
    // No checkpoints in this run: the signer is never asked.
    const signer: CheckpointSigner = {
      sign: () => Promise.reject(new Error('unused')),
      verify: () => Promise.reject(new Error('unused')),
    };
    const verifyStarted = performance.now();
    const report = await verifyAuditTrail({ trail, signer }, { days: [today], now: new Date(), settleMs: 0 });
    const verifyRate = (report.records * 1000) / (performance.now() - verifyStarted);
    if (!report.intact) throw new Error(`bench trail not intact: ${report.findings.length} findings`);
    doc.destroy();

    return [
      compare(
        'Audit writes: hash-chained vs plain conditional puts',
        { label: 'plain records/s', opsPerSec: plain },
        { label: 'chained records/s', opsPerSec: chained },
        0.8,
        `${records} records, ${perTransaction} per TransactWriteItems, ${concurrency} writers (one chain each)`,
      ),
      compare(
        'Audit verification vs raw Query of the same day',
        { label: 'queried records/s', opsPerSec: rawRate },
        { label: 'verified records/s', opsPerSec: verifyRate },
        // Verification reads the day's records once (its chains are among them), plus a Query of
        // each chain's records linked before chainPosition (none here) and the heads.
        0.5,
        `${report.records} records in ${report.chains} chains, read from the day's 16 byDayShard partitions`,
      ),
    ];
  } finally {
    await stack.stop();
  }
}
