/**
 * The HTTP side of an AWS JSON 1.1 service stand-in (KMS, EventBridge): one POST endpoint that
 * dispatches on `X-Amz-Target: <prefix>.<Operation>`, reads a JSON object body, and answers errors
 * the way AWS does (`__type` + `x-amzn-ErrorType`, from which the SDK picks its exception class).
 * SigV4 `Authorization` is accepted unverified: these are local emulators with fake credentials.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Body = Record<string, unknown>;

/** A deliberate service error: answered 400 with its AWS error type. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'AwsJsonError';
  }
}

export function fail(type: string, message: string): never {
  throw new AwsJsonError(type, message);
}

/** Own-property lookup, so ids like `__proto__` or `constructor` never hit Object.prototype. */
export const own = <T>(rec: Record<string, T>, k?: string) =>
  k && Object.hasOwn(rec, k) ? rec[k] : undefined;

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Body;
  } catch {}
  return fail('SerializationException', 'Request body must be a JSON object');
}

const jsonHeaders = () => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amzn-requestid': randomUUID(),
});

/** Writes an AWS JSON error answer. */
export function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res
    .writeHead(status, { ...jsonHeaders(), 'x-amzn-errortype': type })
    .end(JSON.stringify({ __type: type, message }));
}

export interface AwsJsonServer {
  endpoint: string;
  /** Requests per operation since start (or the last reset). */
  stats(): Record<string, number>;
  resetStats(): void;
  close(): Promise<void>;
}

export async function serveAwsJson(options: {
  /** e.g. `TrentService`, `AWSEvents` */
  targetPrefix: string;
  ops: Record<string, (body: Body) => Body | Promise<Body>>;
  /** The error type the service answers for an operation it does not know. */
  unknownOperation: string;
  /** The error type of an unexpected failure (answered 500, so the SDK treats it as a server fault). */
  internalError: string;
  host: string;
  port?: number;
  /** Runs after a successful operation, before the answer (e.g. making a mutation durable). */
  afterOperation?: (op: string) => Promise<void>;
  /** Lets a request be answered (or dropped) before dispatch, e.g. an injected outage; true = handled. */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
}): Promise<AwsJsonServer> {
  const counts = new Map<string, number>();
  const prefix = `${options.targetPrefix}.`;
  const server = createServer(async (req, res) => {
    if (options.intercept?.(req, res)) return;
    let status = 200;
    let body: Body;
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith(prefix) ? target.slice(prefix.length) : target;
      if (op) counts.set(op, (counts.get(op) ?? 0) + 1);
      const handler = own(options.ops, op);
      if (req.method !== 'POST' || !handler) fail(options.unknownOperation, `${op} is not supported locally`);
      body = await handler(await readJson(req));
      await options.afterOperation?.(op);
    } catch (e) {
      status = e instanceof AwsJsonError ? 400 : 500;
      const type = e instanceof AwsJsonError ? e.type : options.internalError;
      return sendError(res, status, type, (e as Error).message);
    }
    res.writeHead(status, jsonHeaders()).end(JSON.stringify(body));
  });
  server.listen(options.port ?? 0, options.host);
  await once(server, 'listening'); // rejects on 'error', e.g. EADDRINUSE
  const { port } = server.address() as AddressInfo;
  const host = options.host;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stats: () => Object.fromEntries(counts),
    resetStats: () => counts.clear(),
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections(); // SDK clients keep sockets alive; without this close() would wait for them
      await closed;
    },
  };
}
