// Local stand-in for Amazon EventBridge (AWS JSON 1.1 protocol, X-Amz-Target AWSEvents.<Op>) so the unchanged
// @aws-sdk/client-eventbridge publishes offline. There are no rules or targets: every accepted event is appended
// to an event log (memory and `events.jsonl` under `dataDir`) that the runtime's admin endpoint serves at /events.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Body, fail, serveAwsJson } from './aws-json-server.js';

/** An accepted event as EventBridge hands it to targets, plus the bus it was put on. */
export interface LoggedEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
  eventBusName: string;
}

export interface EventBridgeServer {
  /** e.g. http://127.0.0.1:4010 */
  endpoint: string;
  /** Accepted events in arrival order, optionally of one detail type. */
  events(filter?: { detailType?: string }): LoggedEvent[];
  stats(): Record<string, number>;
  close(): Promise<void>;
}

export type EventBridgeOptions = {
  dataDir: string;
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
};

/** PutEvents limits (EventBridge quotas): 10 entries per call, 256 KB per request. */
export const maxEntriesPerCall = 10;
export const maxRequestBytes = 256 * 1024;

const busNamePattern = /^[/.\-_A-Za-z0-9]{1,256}$/;

/**
 * Size of one entry as EventBridge counts it: 14 bytes for Time when given, plus the UTF-8 bytes of
 * Source, DetailType, Detail and each Resource.
 */
export function entrySize(entry: Body): number {
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  const resources = Array.isArray(entry.Resources)
    ? entry.Resources.reduce((n: number, r) => n + bytes(r), 0)
    : 0;
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources
  );
}

/** The per-entry error EventBridge answers, or the parsed Detail of an acceptable entry. */
function checkEntry(
  entry: unknown,
  buses: Set<string>,
): { ErrorCode: string; ErrorMessage: string } | { detail: Record<string, unknown>; bus: string } {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Entry must be an object.' };
  }
  const e = entry as Body;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail as string);
  } catch {
    detail = undefined;
  }
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const bus = busNameOf(e.EventBusName);
  if (!buses.has(bus))
    return { ErrorCode: 'NotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
  return { detail: detail as Record<string, unknown>, bus };
}

/** EventBusName may be a name or an ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
function busNameOf(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') return 'default';
  const slash = raw.startsWith('arn:') ? raw.indexOf('event-bus/') : -1;
  return slash >= 0 ? raw.slice(slash + 'event-bus/'.length) : raw;
}

/** Time arrives as epoch seconds (the SDK's JSON 1.1 timestamp format); absent means "now". */
function timeOf(raw: unknown): string {
  const ms = typeof raw === 'number' ? raw * 1000 : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return new Date(Number.isFinite(ms) ? ms : Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function startEventBridgeServer(opts: EventBridgeOptions): Promise<EventBridgeServer> {
  const { dataDir, host = '127.0.0.1', region = 'us-east-1', accountId = '000000000000' } = opts;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logFile = join(dataDir, 'events.jsonl');
  // The log survives restarts like the rest of `.data`: earlier events stay readable.
  const log: LoggedEvent[] = existsSync(logFile)
    ? readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LoggedEvent)
    : [];
  const buses = new Map<string, string>([['default', 'Default event bus']]);
  const arnOf = (name: string) => `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
  let appending: Promise<void> = Promise.resolve();
  const append = (events: LoggedEvent[]) => {
    const lines = events.map((e) => `${JSON.stringify(e)}\n`).join('');
    appending = appending.catch(() => {}).then(() => appendFile(logFile, lines, { mode: 0o600 }));
    return appending;
  };

  const ops: Record<string, (b: Body) => Body | Promise<Body>> = {
    async PutEvents(b) {
      const entries = b.Entries;
      if (!Array.isArray(entries) || entries.length === 0)
        fail('ValidationException', 'Entries must not be empty.');
      if (entries.length > maxEntriesPerCall) {
        fail(
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${maxEntriesPerCall}`,
        );
      }
      const size = entries.reduce(
        (n: number, e) => n + (e && typeof e === 'object' ? entrySize(e as Body) : 0),
        0,
      );
      if (size > maxRequestBytes) {
        fail('ValidationException', 'Total size of the entries in the request is over the limit.');
      }
      const accepted: LoggedEvent[] = [];
      const results = entries.map((entry) => {
        const checked = checkEntry(entry, new Set(buses.keys()));
        if ('ErrorCode' in checked) return checked;
        const e = entry as Body;
        const event: LoggedEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': e.DetailType as string,
          source: e.Source as string,
          account: accountId,
          time: timeOf(e.Time),
          region,
          resources: Array.isArray(e.Resources) ? e.Resources.map(String) : [],
          detail: checked.detail,
          eventBusName: checked.bus,
        };
        accepted.push(event);
        return { EventId: event.id };
      });
      if (accepted.length > 0) {
        await append(accepted); // durable before we acknowledge
        log.push(...accepted);
      }
      return { FailedEntryCount: entries.length - accepted.length, Entries: results };
    },
    CreateEventBus(b) {
      const name = b.Name;
      if (typeof name !== 'string' || !busNamePattern.test(name) || name === 'default') {
        fail('ValidationException', 'Name is not a valid event bus name.');
      }
      if (buses.has(name)) fail('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
      buses.set(name, typeof b.Description === 'string' ? b.Description : '');
      return { EventBusArn: arnOf(name) };
    },
    DescribeEventBus(b) {
      const name = busNameOf(b.Name);
      const description = buses.get(name);
      if (description === undefined) fail('ResourceNotFoundException', `Event bus ${name} does not exist.`);
      return { Name: name, Arn: arnOf(name), ...(description ? { Description: description } : {}) };
    },
  };

  const server = await serveAwsJson({
    targetPrefix: 'AWSEvents',
    ops,
    unknownOperation: 'UnknownOperationException',
    internalError: 'InternalException',
    host,
    ...(opts.port === undefined ? {} : { port: opts.port }),
  });
  return {
    endpoint: server.endpoint,
    events: (filter = {}) =>
      filter.detailType === undefined ? [...log] : log.filter((e) => e['detail-type'] === filter.detailType),
    stats: server.stats,
    async close() {
      await server.close();
      await appending.catch(() => {});
    },
  };
}
