/**
 * `npm start`: the whole of riskloop on this machine, no AWS account, no Docker. Java 17+ and free
 * ports are checked first (prerequisites.ts). Settings (all optional): RISKLOOP_PORT (3000),
 * RISKLOOP_HOST (127.0.0.1), RISKLOOP_DATA_DIR (.data), RISKLOOP_DYNAMODB_PORT (8000),
 * RISKLOOP_SQS_PORT (9324), RISKLOOP_KMS_PORT (4599), RISKLOOP_EVENTBRIDGE_PORT (4010),
 * RISKLOOP_RANDOM_PORTS=true (any free port for the stand-ins), RISKLOOP_VISIBILITY_TIMEOUT (queue
 * visibility override, seconds) and RISKLOOP_SPY_QUEUES (record queue bodies for inspection): tests
 * only. RISKLOOP_DYNAMODB_IN_MEMORY=true keeps no data on disk. RISKLOOP_COUNT_REQUESTS=true meters
 * AWS requests per service (admin endpoint `/usage`, docs/cost-model.md). A local OpenID Connect provider
 * runs on RISKLOOP_OIDC_PORT (4020) and the API accepts its access tokens beside the API keys
 * (docs/auth.md, "Signing in locally"); RISKLOOP_OIDC=false leaves it out (API keys only).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intSetting } from '../../shared/config.js';
import { loadDemo, storeIsEmpty } from './demo/load.js';
import { explainStartFailure, javaProblem, type PortSetting, portProblems } from './prerequisites.js';
import { type Runtime, startRuntime } from './runtime.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(root, process.env.RISKLOOP_DATA_DIR ?? '.data');
/** People sign in at a local provider unless RISKLOOP_OIDC=false; any other value is a mistake, said at once. */
function oidcOn(): boolean {
  const raw = process.env.RISKLOOP_OIDC ?? 'true';
  if (raw !== 'true' && raw !== 'false')
    throw new Error(`RISKLOOP_OIDC must be true or false; got ${JSON.stringify(raw)}`);
  return raw === 'true';
}

const log = (line: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ src: 'runtime', ...line })}\n`);

/** Every fixed port `npm start` opens, with the setting that moves it (README, "Configuration"). */
function portSettings(host: string): PortSetting[] {
  const apiPort = process.env.RISKLOOP_PORT === '0' ? 0 : intSetting('RISKLOOP_PORT', 3000);
  const api: PortSetting = { setting: 'RISKLOOP_PORT', service: 'API', port: apiPort, host };
  const oidc: PortSetting[] = oidcOn()
    ? [
        {
          setting: 'RISKLOOP_OIDC_PORT',
          service: 'OpenID Connect provider',
          port: process.env.RISKLOOP_RANDOM_PORTS === 'true' ? 0 : intSetting('RISKLOOP_OIDC_PORT', 4020),
          // Loopback only, whatever RISKLOOP_HOST says: its sign-in form takes any password.
          host: '127.0.0.1',
        },
      ]
    : [];
  if (process.env.RISKLOOP_RANDOM_PORTS === 'true') return [api, ...oidc];
  return [
    api,
    ...oidc,
    {
      setting: 'RISKLOOP_DYNAMODB_PORT',
      service: 'DynamoDB Local',
      port: intSetting('RISKLOOP_DYNAMODB_PORT', 8000),
    },
    { setting: 'RISKLOOP_SQS_PORT', service: 'SQS endpoint', port: intSetting('RISKLOOP_SQS_PORT', 9324) },
    {
      setting: 'RISKLOOP_KMS_PORT',
      service: 'KMS endpoint',
      port: intSetting('RISKLOOP_KMS_PORT', 4599),
      host: '127.0.0.1',
    },
    {
      setting: 'RISKLOOP_EVENTBRIDGE_PORT',
      service: 'EventBridge endpoint',
      port: intSetting('RISKLOOP_EVENTBRIDGE_PORT', 4010),
      host: '127.0.0.1',
    },
  ];
}

/** One paragraph per problem, then a non-zero exit: a new user needs the fix, not a stack trace. */
function refuseToStart(problems: readonly string[]): never {
  process.stderr.write(`\nriskloop cannot start:\n\n${problems.map((p) => `  ${p}`).join('\n\n')}\n\n`);
  process.exit(1);
}

let runtime: Runtime | undefined;
let stopping = false;

/**
 * Stops everything this process started. npm forwards SIGINT and SIGTERM to this process (the start
 * script execs node, so no shell sits in between and swallows them); a closed terminal sends SIGHUP.
 * A stop that hangs, or a second signal, ends the process anyway: services.ts kills the Java child on exit.
 */
async function shutdown(reason: string, code: number): Promise<void> {
  if (stopping) {
    process.stderr.write(`riskloop: ${reason} again, stopping now\n`);
    process.exit(code);
  }
  stopping = true;
  process.stderr.write(`\nriskloop: ${reason}, stopping…\n`);
  setTimeout(() => {
    process.stderr.write('riskloop: not stopped after 15 s, exiting anyway\n');
    process.exit(code === 0 ? 1 : code);
  }, 15_000).unref();
  await runtime?.stop().catch(() => {});
  rmSync(join(dataDir, 'runtime.json'), { force: true });
  process.exit(code);
}

// Registered before anything starts, so a signal during start-up stops what has started so far.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(`${signal} received`, 0));
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`riskloop: uncaught ${error.name}: ${error.message}\n`);
  void shutdown('uncaught exception', 1);
});

async function main() {
  const host = process.env.RISKLOOP_HOST ?? '127.0.0.1';
  const ports = portSettings(host);
  const problems = [javaProblem(), ...(await portProblems(ports))].filter((p) => p !== undefined);
  if (problems.length > 0) refuseToStart(problems);
  const byName = (setting: string) => ports.find((p) => p.setting === setting)?.port ?? 0;
  try {
    runtime = await startRuntime({
      root,
      dataDir,
      host,
      port: byName('RISKLOOP_PORT'),
      servicePorts: {
        dynamodb: byName('RISKLOOP_DYNAMODB_PORT'),
        sqs: byName('RISKLOOP_SQS_PORT'),
        kms: byName('RISKLOOP_KMS_PORT'),
        eventbridge: byName('RISKLOOP_EVENTBRIDGE_PORT'),
      },
      ...(process.env.RISKLOOP_VISIBILITY_TIMEOUT
        ? { visibilityTimeoutSeconds: intSetting('RISKLOOP_VISIBILITY_TIMEOUT', 180) }
        : {}),
      spyQueues: process.env.RISKLOOP_SPY_QUEUES === 'true',
      dynamoInMemory: process.env.RISKLOOP_DYNAMODB_IN_MEMORY === 'true',
      countRequests: process.env.RISKLOOP_COUNT_REQUESTS === 'true',
      faultProxies: process.env.RISKLOOP_FAULT_PROXIES === 'true',
      ...(oidcOn() ? { oidcPort: byName('RISKLOOP_OIDC_PORT') } : {}),
      log,
    });
  } catch (error) {
    // A port taken, or Java gone, between the checks above and the start: the same paragraph.
    const explained = explainStartFailure(error, ports);
    if (explained) refuseToStart([explained]);
    throw error;
  }

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
      ...(runtime.oidc
        ? [
            `  Sign-in (OIDC) ${runtime.oidc.issuer}   client ${runtime.oidc.clientId}, audience ${runtime.oidc.audience}`,
            `    people: ${runtime.oidc.people.join(', ')} (development sign-in form, any password)`,
            `  Four-eyes      ${process.env.FOUR_EYES} (a second person approves; FOUR_EYES=none to turn off)`,
            '',
          ]
        : []),
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
