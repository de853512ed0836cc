/**
 * `npm start` killed with SIGKILL while customers wait in the queue, then started again on the same
 * data: every accepted customer is segmented after the restart. SQS keeps messages through anything;
 * locally the SQS journal (infra/local/sqs-journal.ts) does, since fauxqs lives in memory.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeState } from '../../infra/local/runtime.js';
import { launchLocalSystem } from '../global-setup.js';
import { eventually, lawfulBasis, runId } from '../helpers/local.js';

const dataDir = mkdtempSync(join(tmpdir(), 'riskloop-restart-'));
const running: ChildProcess[] = [];
afterAll(async () => {
  // The whole group, whatever the leader's state: Java must not outlive the test.
  for (const child of running) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** `npm start` on `dataDir` with DynamoDB on disk, as a user runs it. */
async function start() {
  const launched = await launchLocalSystem(
    dataDir,
    { RISKLOOP_DYNAMODB_IN_MEMORY: 'false' },
    { detached: true, started: (child) => running.push(child) },
  );
  return launched;
}

async function call(
  state: RuntimeState,
  role: 'ingest' | 'analyst',
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${state.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${state.credentials[role]}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('npm start killed with SIGKILL', () => {
  it('segments after the restart every customer that was accepted and still queued', async () => {
    // Prepare: a running system whose worker fails, so accepted customers stay in the queue.
    const first = await start();
    const faults = await fetch(`${first.state.adminUrl}/faults`, {
      method: 'POST',
      body: JSON.stringify({ workerDown: true }),
    });
    expect(faults.status).toBe(200);
    const prefix = `RS-${runId()}`;
    const ingested = await call(first.state, 'ingest', 'POST', '/v1/customers', {
      records: Array.from({ length: 12 }, (_, i) => ({
        externalId: `${prefix}-${i}`,
        type: 'individual',
        jurisdictions: ['NL'],
        lawfulBasis,
      })),
    });
    expect(ingested.status).toBe(207);
    const pseudonyms = (ingested.body.results as { status: string; pseudonym: string }[]).map((r) => {
      expect(r.status).toBe('accepted');
      return r.pseudonym;
    });
    const segment = (state: RuntimeState, p: string) =>
      call(state, 'analyst', 'GET', `/v1/customers/${p}/segment`).then((r) => r.status);
    expect(await segment(first.state, pseudonyms[0] as string)).toBe(404);

    // Act: kill -9 of the whole system (Node and DynamoDB Local), then `npm start` again on the same data.
    process.kill(-(first.child.pid as number), 'SIGKILL');
    await new Promise((r) => (alive(first.child) ? first.child.once('exit', r) : r(undefined)));
    const second = await start();

    // Assess: every accepted customer segmented, none lost with the killed process's queue.
    await eventually(async () => {
      const statuses = await Promise.all(pseudonyms.map((p) => segment(second.state, p)));
      return statuses.every((s) => s === 200) ? true : undefined;
    }, 60_000);
    expect(readFileSync(second.logFile, 'utf8')).toMatch(/messages queued by the previous run sent again/);
  }, 240_000);
});
