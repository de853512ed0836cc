import {
  type Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';

/**
 * What the local proxies in front of the stand-ins share (the request meter, the DynamoDB fault proxy,
 * the SQS journal): read a body whole, relay a request, listen on loopback.
 */
export function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/**
 * Sends `body` on to `upstream` as `req` asked (Host kept as the client sent it: fauxqs builds queue
 * URLs from it, so they keep pointing at the proxy), lets `seen` look at a 2xx answer, then answers
 * the client with it; `inspect` sees every answer, and the client waits for it. If the stand-in is
 * down the client sees a dropped connection, as it would without the proxy.
 */
export function relay(
  upstream: URL,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  options: {
    agent?: Agent;
    seen?: (answer: Buffer) => void;
    inspect?: (status: number, answer: Buffer) => Promise<void>;
  } = {},
): void {
  const forward = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, 'content-length': String(body.length) },
      ...(options.agent ? { agent: options.agent } : {}),
    },
    (answer) => {
      void readBody(answer).then(
        async (answerBody) => {
          if ((answer.statusCode ?? 500) < 300) options.seen?.(answerBody);
          await options.inspect?.(answer.statusCode ?? 500, answerBody).catch(() => {});
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(answerBody);
        },
        // The stand-in dropped the connection mid-answer: so does the proxy, as it would without it.
        () => res.destroy(),
      );
    },
  );
  forward.on('error', () => res.destroy());
  forward.end(body);
}

/** A server on `host:port` (0: any free port): its URL, and how to close it with its connections. */
export async function listen(
  handler: RequestListener,
  host: string,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${typeof address === 'object' && address ? address.port : 0}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
