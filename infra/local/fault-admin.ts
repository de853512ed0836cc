import type { IncomingMessage, ServerResponse } from 'node:http';
import { setLocalFaults } from './faults.js';

/** The admin endpoint's `POST /faults`: applies the switches and answers the resulting state. */
export async function answerFaults(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const faults = setLocalFaults(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(faults));
  } catch (error) {
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'BAD_FAULT', message: (error as Error).message, details: [] } }));
  }
}
