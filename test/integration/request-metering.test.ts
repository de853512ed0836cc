/**
 * The request meter behind the cost model (docs/cost-model.md): a local system of its own started
 * with RISKLOOP_COUNT_REQUESTS=true, so no other test's traffic lands in the counts. Checks counts,
 * never timings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Usage } from '../../infra/local/metering.js';
import type { RuntimeState } from '../../infra/local/runtime.js';
import { lawfulBasis } from '../helpers/fixtures.js';

let child: ChildProcess | undefined;
let state: RuntimeState;
let doc: DynamoDBDocumentClient;
const dataDir = mkdtempSync(join(tmpdir(), 'riskloop-metering-'));

beforeAll(async () => {
  const logFile = join(dataDir, 'runtime.log');
  child = spawn(process.execPath, ['--import', 'tsx', resolve('infra/local/start.ts')], {
    env: {
      ...process.env,
      RISKLOOP_DATA_DIR: dataDir,
      RISKLOOP_PORT: '0',
      RISKLOOP_RANDOM_PORTS: 'true',
      RISKLOOP_DYNAMODB_IN_MEMORY: 'true',
      RISKLOOP_COUNT_REQUESTS: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
  });
  const stateFile = join(dataDir, 'runtime.json');
  const deadline = Date.now() + 90_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`local runtime did not start:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  state = JSON.parse(readFileSync(stateFile, 'utf8')) as RuntimeState;
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: state.endpoints.dynamodb,
    }),
  );
}, 100_000);

afterAll(async () => {
  doc?.destroy();
  const running = child;
  if (running && running.exitCode === null)
    await new Promise<void>((done) => {
      const kill = setTimeout(() => running.kill('SIGKILL'), 10_000);
      running.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      running.kill('SIGTERM');
    });
  rmSync(dataDir, { recursive: true, force: true });
}, 20_000);

const usage = async (): Promise<Usage> => (await (await fetch(`${state.adminUrl}/usage`)).json()) as Usage;

async function ingest(tag: string, n: number): Promise<void> {
  const records = Array.from({ length: n }, (_, i) => ({
    externalId: `METER-${tag}-${i}`,
    type: 'individual',
    personalData: { name: `Meter Person ${i}`, email: `m${i}@meter.example` },
    jurisdictions: ['DE'],
    lawfulBasis,
  }));
  const res = await fetch(`${state.apiUrl}/v1/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.credentials.ingest}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records }),
  });
  expect(res.status).toBe(207);
}

/** Assignments counted on DynamoDB Local directly, so the wait itself is not metered. */
async function segmented(expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const out = await doc.send(new ScanCommand({ TableName: state.env.TABLE_ASSIGNMENTS, Select: 'COUNT' }));
    if ((out.Count ?? 0) >= expected) return;
    if (Date.now() > deadline) throw new Error(`only ${out.Count}/${expected} customers segmented`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('request metering (RISKLOOP_COUNT_REQUESTS)', () => {
  it('counts what 20 customers cost once warm: no KMS call, one job each, DynamoDB units in a stated band', async () => {
    // Prepare: a warm-up batch takes the cold-start KMS calls (MAC secret, KEK) out of the count.
    await ingest('warm', 5);
    await segmented(5);
    await new Promise((r) => setTimeout(r, 1500));
    await fetch(`${state.adminUrl}/usage/reset`, { method: 'POST' });

    // Act
    await ingest('run', 20);
    await segmented(25);
    // The worker's batch has written; give the event source a moment to delete its messages.
    await new Promise((r) => setTimeout(r, 1500));
    const u = await usage();

    // Assess
    expect(u.kms.total).toBe(0);
    expect(u.api.requests).toBe(1);
    expect(u.lambda.ingestCustomers?.invocations).toBe(1);
    expect(u.lambda.segmentWorker?.invocations).toBeGreaterThanOrEqual(1);
    expect(u.sqs.messagesSent).toBe(20);
    expect(u.sqs.requests.SendMessageBatch).toBe(2);
    // Per customer, billed as AWS bills it: profile, subject key and subject directory entry (one
    // conditional PutItem each: 1 unit each); the audit record in a transaction with the chain
    // head (2, a share of the head's 2) and its byDayShard entry (1); then the assignment alone
    // (1) and its bySegmentShard entry (1): about 8 write units.
    const writes = u.dynamodb.writeUnits / 20;
    expect(writes).toBeGreaterThanOrEqual(7);
    expect(writes).toBeLessThanOrEqual(10);
    const indexes = Object.keys(u.dynamodb.byIndex).map((i) => i.split('/')[1]);
    expect(indexes.sort()).toEqual(['byDayShard', 'bySegmentShard']);
    expect(u.dynamodb.byTable[state.env.TABLE_PROFILES as string]?.writeUnits).toBe(20);
    expect(u.dynamodb.readUnits).toBeGreaterThan(0);
    expect(u.lambda.segmentWorker?.gbSeconds).toBeGreaterThan(0);
  });
});
