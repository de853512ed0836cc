import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { envNames, type FunctionName, functions } from '../manifest.js';
import { ensureLocalCredentials, type LocalCredentials } from './credentials.js';
import {
  type RuntimeLog,
  scheduledEvent,
  startDlqMonitor,
  startSchedule,
  startSqsPoller,
} from './event-sources.js';
import { answerFaults } from './fault-admin.js';
import { startDynamoFaultProxy } from './fault-proxy.js';
import { startGateway } from './gateway.js';
import { initialiseLocally } from './initialise.js';
import { LocalLambdas } from './lambda.js';
import { tableShapes, UsageMeter } from './metering.js';
import { demoPeople, localOidc, startLocalOidc } from './oidc-provider.js';
import { localCredentials, localRegion, provision } from './provision.js';
import { type ServicePorts, startServices } from './services.js';

export interface RuntimeOptions {
  /** Repository root: handler entries in the manifest are relative to it. */
  root: string;
  dataDir: string;
  stage?: string;
  host?: string;
  /** API port; 0 picks a free one. */
  port?: number;
  servicePorts?: ServicePorts;
  /**
   * Local-only override of the queues' visibility timeout, so tests see a failed record come back
   * in seconds instead of the production 6x-function-timeout. Never set by `npm start` defaults.
   */
  visibilityTimeoutSeconds?: number;
  /** Record every queue message for the admin endpoint (tests scan bodies for personal data). */
  spyQueues?: boolean;
  /** Keep DynamoDB Local's data in memory (faster, lost on stop): tests and benchmarks. */
  dynamoInMemory?: boolean;
  /**
   * Meter what the handlers would be billed for on AWS (requests, capacity units, invocations) through
   * proxies in front of the stand-ins; read at the admin endpoint's `/usage`. Cost model and its tests.
   */
  countRequests?: boolean;
  /** Route the handlers' DynamoDB calls through the throttling fault proxy (fault tests only). */
  faultProxies?: boolean;
  /**
   * Run the local OpenID Connect provider on this port (0: any free one) and configure the authoriser with
   * it (infra/local/oidc-provider.ts). Undefined: no provider, API keys only, as before.
   */
  oidcPort?: number;
  log: RuntimeLog;
}

/** The local provider, for people signing in (the CLI) and for the tests. */
export interface LocalOidcState {
  issuer: string;
  clientId: string;
  audience: string;
  scope: string;
  /** Login names of the demo people (any password at the development sign-in form). */
  people: string[];
}

export interface RuntimeState {
  apiUrl: string;
  adminUrl: string;
  dataDir: string;
  stage: string;
  endpoints: { dynamodb: string; sqs: string; kms: string; eventbridge: string };
  env: Record<string, string>;
  credentials: LocalCredentials;
  oidc?: LocalOidcState;
}

export interface Runtime extends RuntimeState {
  stop(): Promise<void>;
}

/**
 * The whole system on one machine: stand-ins, resources from the manifest, the API gateway, SQS
 * event sources, schedules and a DLQ monitor. Writes `runtime.json` into the data directory so
 * `npm run invoke` and the tests can find the running system.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const stage = options.stage ?? 'local';
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dataDir, { recursive: true });
  const services = await startServices(options.dataDir, options.servicePorts, {
    spyQueues: options.spyQueues ?? false,
    dynamoInMemory: options.dynamoInMemory ?? false,
  });
  const stoppers: (() => Promise<void>)[] = [() => services.stop()];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => {});
  };
  try {
    const meter = options.countRequests ? new UsageMeter(tableShapes(stage)) : undefined;
    if (meter) stoppers.push(() => meter.close());
    // Handlers (and the SQS event source, whose polling AWS bills too) reach the stand-ins through the
    // meter; `endpoints` in the runtime state stay direct, so tests and benchmarks are not counted.
    const handlerEndpoints = meter
      ? await meter.proxyAll(services.endpoints, host)
      : { ...services.endpoints };
    if (options.faultProxies) {
      const proxy = await startDynamoFaultProxy(handlerEndpoints.dynamodb, host);
      stoppers.push(() => proxy.close());
      handlerEndpoints.dynamodb = proxy.url;
    }
    const resources = await provision(handlerEndpoints, stage, {
      ...(options.visibilityTimeoutSeconds
        ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
        : {}),
    });
    const oidc =
      options.oidcPort === undefined ? undefined : await startLocalOidc('127.0.0.1', options.oidcPort);
    if (oidc) stoppers.push(() => oidc.close());
    const env = {
      ...oidc?.authorizerEnv,
      AWS_REGION: localRegion,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: handlerEndpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: handlerEndpoints.sqs,
      AWS_ENDPOINT_URL_KMS: handlerEndpoints.kms,
      AWS_ENDPOINT_URL_EVENTBRIDGE: handlerEndpoints.eventbridge,
      POWERTOOLS_SERVICE_NAME: 'riskloop',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      // Off for local demos (one key per role acts alone), unless FOUR_EYES says otherwise; on AWS the
      // default is every action (docs/auth.md, "Four-eyes approval").
      FOUR_EYES: process.env.FOUR_EYES ?? 'none',
      ...resources,
    };
    // Handlers read their settings from the environment at import, as they do on Lambda.
    Object.assign(process.env, env);
    const credentials = await ensureLocalCredentials(
      join(options.dataDir, 'credentials.json'),
      services.endpoints.dynamodb,
      resources[envNames.table('principals')] as string,
    );

    const lambdas = new LocalLambdas(options.root, stage, meter && ((...a) => meter.recordInvocation(...a)));
    await lambdas.loadAll();
    // As on AWS, the deployment initialises the keyring before any request can reach a function.
    await initialiseLocally(lambdas, stage);
    // What an earlier run queued and never processed (a kill -9 of `npm start`) goes back in its queue.
    const replayed = await services.replayQueues();
    if (replayed > 0)
      options.log({
        level: 'WARN',
        message: 'messages queued by the previous run sent again',
        count: replayed,
      });
    // Every request of an earlier run is dead now: repair whatever a crash (or kill -9) left half-written.
    await lambdas.invoke('reconciler', { olderThanSeconds: 0 });
    // Seal what the earlier run wrote before anything new is appended: its last minutes are otherwise unsigned.
    await lambdas.invoke('auditCheckpoint', scheduledEvent('auditCheckpoint'));
    const gateway = await startGateway({
      host,
      port: options.port ?? 3000,
      stage,
      lambdas,
      accessLog: options.log,
    });
    stoppers.push(() => gateway.close());

    // Depth per DLQ (segmentation, re-segmentation shards): the stats report their sum.
    const dlqDepths = new Map<string, number>();
    for (const name of Object.keys(functions) as FunctionName[]) {
      const trigger = functions[name].trigger;
      if (trigger.kind === 'sqs') {
        const queueUrl = resources[envNames.queueUrl(trigger.queue)] as string;
        // Lambda polls with several concurrent batches; two containers are enough on a laptop.
        const pollers = [0, 1].map((container) =>
          startSqsPoller(name, queueUrl, handlerEndpoints.sqs, lambdas, options.log, container),
        );
        const monitor = startDlqMonitor(queueUrl, services.endpoints.sqs, options.log, (n) => {
          dlqDepths.set(queueUrl, n);
        });
        stoppers.push(
          () => Promise.all(pollers.map((p) => p.stop())).then(() => undefined),
          () => monitor.stop(),
        );
      }
      const schedule = startSchedule(name, lambdas, options.log);
      if (schedule) stoppers.push(() => schedule.stop());
    }

    // Local-only introspection for tests and benchmarks (loopback, never deployed).
    const admin = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://admin');
      // POST /faults (infra/local/faults.ts: kms, workerCrashes, workerDown, dynamodb, dynamodbLatencyMs): local fault injection.
      if (url.pathname === '/faults' && req.method === 'POST') return void answerFaults(req, res);
      // GET /usage: metered requests since start or the last POST /usage/reset (countRequests only).
      if (url.pathname.startsWith('/usage')) {
        if (url.pathname === '/usage/reset' && req.method === 'POST') meter?.reset();
        res.writeHead(meter ? 200 : 404, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify(meter?.snapshot() ?? { error: 'start with RISKLOOP_COUNT_REQUESTS=true' }),
        );
      }
      // GET /events[?detailType=X]: the local event log (what EventBridge accepted), oldest first.
      const detailType = url.searchParams.get('detailType') ?? undefined;
      const body =
        url.pathname === '/queue-messages'
          ? services.queueMessages()
          : url.pathname === '/events'
            ? services.events(detailType === undefined ? {} : { detailType })
            : { kms: services.kmsStats(), dlqDepth: [...dlqDepths.values()].reduce((a, b) => a + b, 0) };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => admin.listen(0, host, resolve));
    const adminAddress = admin.address();
    stoppers.push(
      () =>
        new Promise<void>((resolve) => {
          admin.closeAllConnections();
          admin.close(() => resolve());
        }),
    );

    const state: RuntimeState = {
      apiUrl: gateway.url,
      adminUrl: `http://${host}:${typeof adminAddress === 'object' && adminAddress ? adminAddress.port : 0}`,
      dataDir: options.dataDir,
      stage,
      endpoints: services.endpoints,
      env,
      credentials,
      ...(oidc
        ? {
            oidc: {
              issuer: oidc.issuer,
              clientId: localOidc.clientId,
              audience: localOidc.audience,
              scope: `openid offline_access ${localOidc.apiScope}`,
              people: Object.keys(demoPeople),
            },
          }
        : {}),
    };
    writeFileSync(join(options.dataDir, 'runtime.json'), `${JSON.stringify(state, null, 2)}\n`, {
      mode: 0o600,
    });
    return { ...state, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
