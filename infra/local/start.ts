/**
 * `npm start`: the whole of riskloop on this machine, no AWS account, no Docker.
 * Settings (all optional): RISKLOOP_PORT (3000), RISKLOOP_HOST (127.0.0.1), RISKLOOP_DATA_DIR
 * (.data), RISKLOOP_DYNAMODB_PORT (8000), RISKLOOP_SQS_PORT (9324), RISKLOOP_KMS_PORT (4599),
 * RISKLOOP_VISIBILITY_TIMEOUT (queue visibility override, seconds) and RISKLOOP_SPY_QUEUES (record
 * queue bodies for inspection): tests only. RISKLOOP_DYNAMODB_IN_MEMORY=true keeps no data on disk.
 * RISKLOOP_COUNT_REQUESTS=true meters AWS requests per service (admin endpoint `/usage`, docs/cost-model.md).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intSetting } from '../../shared/config.js';
import { loadDemo, storeIsEmpty } from './demo/load.js';
import { startRuntime } from './runtime.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(root, process.env.RISKLOOP_DATA_DIR ?? '.data');
const log = (line: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ src: 'runtime', ...line })}\n`);

async function main() {
  const port = process.env.RISKLOOP_PORT === '0' ? 0 : intSetting('RISKLOOP_PORT', 3000);
  const fixed = process.env.RISKLOOP_RANDOM_PORTS !== 'true';
  const runtime = await startRuntime({
    root,
    dataDir,
    host: process.env.RISKLOOP_HOST ?? '127.0.0.1',
    port,
    servicePorts: fixed
      ? {
          dynamodb: intSetting('RISKLOOP_DYNAMODB_PORT', 8000),
          sqs: intSetting('RISKLOOP_SQS_PORT', 9324),
          kms: intSetting('RISKLOOP_KMS_PORT', 4599),
          eventbridge: intSetting('RISKLOOP_EVENTBRIDGE_PORT', 4010),
        }
      : {},
    ...(process.env.RISKLOOP_VISIBILITY_TIMEOUT
      ? { visibilityTimeoutSeconds: intSetting('RISKLOOP_VISIBILITY_TIMEOUT', 180) }
      : {}),
    spyQueues: process.env.RISKLOOP_SPY_QUEUES === 'true',
    dynamoInMemory: process.env.RISKLOOP_DYNAMODB_IN_MEMORY === 'true',
    countRequests: process.env.RISKLOOP_COUNT_REQUESTS === 'true',
    log,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nriskloop: ${signal} received, stopping…\n`);
    await runtime.stop();
    rmSync(join(dataDir, 'runtime.json'), { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`riskloop: uncaught ${error.name}: ${error.message}\n`);
    void shutdown('uncaughtException');
  });

  const c = runtime.credentials;
  process.stderr.write(
    [
      '',
      '  riskloop is running locally (no AWS account involved)',
      '',
      `  API            ${runtime.apiUrl}`,
      `  DynamoDB Local ${runtime.endpoints.dynamodb}   (aws --endpoint-url ${runtime.endpoints.dynamodb} dynamodb list-tables)`,
      `  SQS (fauxqs)   ${runtime.endpoints.sqs}`,
      `  KMS (local)    ${runtime.endpoints.kms}`,
      `  EventBridge    ${runtime.endpoints.eventbridge}   (event log: ${runtime.adminUrl}/events)`,
      `  Data           ${dataDir}   (delete it to reset; stop first)`,
      '',
      '  API keys (send as  Authorization: Bearer <key>):',
      `    ingest      ${c.ingest}`,
      `    analyst     ${c.analyst}`,
      `    compliance  ${c.compliance}`,
      `    admin       ${c.admin}`,
      `    privacy     ${c.privacy}`,
      `  (also in ${join(dataDir, 'credentials.json')})`,
      '',
      ...(demo
        ? [
            `  Demo data:      requested (--demo): seed ${demoSeed}, ${demoCustomers} customers, loaded only into an empty store`,
          ]
        : []),
      '  Command line:               npx riskloop --help',
      '  Invoke a function by hand:  npm run invoke -- <function> [event.json]',
      '  Verify the audit trail:     npm run audit:verify',
      '  Stop: Ctrl-C',
      '',
    ].join('\n'),
  );
  if (demo) await offerDemo(runtime.apiUrl, runtime.credentials);
}

/** `npm start -- --demo`: a seeded demo population, through the API, when nobody has a segment yet. */
const demo = process.argv.includes('--demo');
const demoSeed = intSetting('RISKLOOP_DEMO_SEED', 42);
const demoCustomers = intSetting('RISKLOOP_DEMO_CUSTOMERS', 500);

async function offerDemo(apiUrl: string, credentials: Parameters<typeof loadDemo>[1]): Promise<void> {
  try {
    if (!(await storeIsEmpty(apiUrl, credentials))) {
      process.stderr.write('  Demo data: not loaded, the store already has segmented customers\n');
      return;
    }
    process.stderr.write(
      `  Demo data: loading ${demoCustomers} customers (seed ${demoSeed}) through the API…\n`,
    );
    const started = Date.now();
    const loaded = await loadDemo(apiUrl, credentials, {
      seed: demoSeed,
      customers: demoCustomers,
      log: (line) => process.stderr.write(`    ${line}\n`),
    });
    process.stderr.write(
      `  Demo data loaded in ${Math.round((Date.now() - started) / 1000)} s: ${loaded.customers} customers, ${loaded.transactions} transactions, ${loaded.surveys} survey deliveries, ${loaded.outcomes} audit outcomes, ${loaded.cases} cases\n`,
    );
  } catch (error) {
    // The system keeps running: demo data is a convenience, not a condition of start-up.
    process.stderr.write(`  Demo data could not be loaded: ${(error as Error).message}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`riskloop failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
