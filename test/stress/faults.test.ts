/**
 * Fault injection against a local system of its own (test/global-setup-stress.ts): a worker that
 * crashes half-way through a batch, a worker that is down until messages reach the DLQ (then
 * `npm run redrive`), and KMS unavailable at a cold start and mid-run. The invariant throughout:
 * every accepted customer is segmented or in the DLQ, and never twice (one assignment revision,
 * one segment decision in the audit trail).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

async function faults(update: Record<string, unknown>) {
  const res = await fetch(`${inject('runtime').adminUrl}/faults`, {
    method: 'POST',
    body: JSON.stringify(update),
  });
  expect(res.status).toBe(200);
}
afterEach(() => faults({ kms: 'none', workerCrashes: 0, workerDown: false, dynamodb: 'none' }));

const dlqDepth = async () =>
  ((await (await fetch(inject('runtime').adminUrl)).json()) as { dlqDepth: number }).dlqDepth;

async function ingest(prefix: string, n: number): Promise<string[]> {
  const res = await api('ingest', 'POST', '/v1/customers', {
    records: Array.from({ length: n }, (_, i) => ({
      externalId: `${prefix}-${i}`,
      type: 'individual',
      jurisdictions: ['NL'],
      lawfulBasis,
    })),
  });
  expect(res.status).toBe(207);
  return res.body.results.map((r: { status: string; pseudonym: string }) => {
    expect(r.status).toBe('accepted');
    return r.pseudonym;
  });
}

const revisionOf = async (pseudonym: string) =>
  (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item
    ?.revision as number | undefined;

async function decisionsOf(pseudonym: string): Promise<number> {
  const out = await doc.send(
    new QueryCommand({
      TableName: env().TABLE_AUDIT,
      KeyConditionExpression: '#stream = :p',
      ExpressionAttributeNames: { '#stream': 'stream' },
      ExpressionAttributeValues: { ':p': pseudonym },
    }),
  );
  return (out.Items ?? []).filter((e) => String(e.action).startsWith('segment.')).length;
}

/** Each customer segmented exactly once: revision 1 and one segment decision in the audit trail. */
async function expectSegmentedOnce(pseudonyms: string[], timeoutMs = 30_000) {
  await eventually(async () => {
    const revisions = await Promise.all(pseudonyms.map(revisionOf));
    return revisions.every((r) => r !== undefined) ? true : undefined;
  }, timeoutMs);
  // Redelivered messages may still be in flight: give them time to (not) write a second revision.
  await new Promise((r) => setTimeout(r, 3000));
  expect(await Promise.all(pseudonyms.map(revisionOf))).toEqual(pseudonyms.map(() => 1));
  expect(await Promise.all(pseudonyms.map(decisionsOf))).toEqual(pseudonyms.map(() => 1));
}

describe('fault injection', () => {
  it('KMS down at a cold start: a 5xx JSON error naming no data, then served once KMS is back', async () => {
    // Prepare: a customer with personal data; the personal-data function has not run yet (cold).
    const id = runId();
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [
        {
          externalId: `KC-${id}`,
          type: 'individual',
          personalData: { name: `Cold Start ${id}` },
          jurisdictions: ['NL'],
          lawfulBasis,
        },
      ],
    });
    const pseudonym = res.body.results[0].pseudonym as string;
    await eventually(async () => ((await revisionOf(pseudonym)) === 1 ? true : undefined));
    const read = () =>
      api('compliance', 'POST', '/v1/customers/personal-data', { pseudonym, purpose: 'kyc_review' });

    // Act
    await faults({ kms: 'error500' });
    const during = await read();
    await faults({ kms: 'none' });
    const after = await read();

    // Assess: the outage is a server error with the usual body, and leaves nothing cached.
    expect(during.status).toBeGreaterThanOrEqual(500);
    expect(during.body.error.code).toEqual(expect.any(String));
    expect(JSON.stringify(during.body)).not.toContain(`Cold Start ${id}`);
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body)).toContain(`Cold Start ${id}`);
  });

  it('DynamoDB throttled: requests answer 503 with Retry-After after a bounded retry, never 500; then recover', async () => {
    const id = runId();
    const ingestOne = (suffix: string) =>
      api('ingest', 'POST', '/v1/customers', {
        records: [
          { externalId: `TH-${id}-${suffix}`, type: 'individual', jurisdictions: ['DE'], lawfulBasis },
        ],
      });

    // Act: every table throttled (the authoriser fails first), then all but the principals (the handlers do).
    await faults({ dynamodb: 'throttle' });
    const atTheDoor = await api('analyst', 'GET', '/v1/segments');
    await faults({ dynamodb: 'throttle-data' });
    const reads = await api('analyst', 'GET', '/v1/segments');
    const writes = await ingestOne('during');
    await faults({ dynamodb: 'none' });
    const after = await ingestOne('after');

    // Assess
    for (const during of [atTheDoor, reads, writes]) {
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('1');
      expect(during.body.error.code).toBe('TEMPORARILY_UNAVAILABLE');
    }
    expect(after.status).toBe(207);
    await expectSegmentedOnce([after.body.results[0].pseudonym as string]);
  });

  it('KMS down mid-run: warm containers keep ingesting from their key cache, nothing is lost', async () => {
    // Prepare: warm the ingest container.
    await ingest(`KW-${runId()}`, 2);

    // Act: connections to KMS are dropped while 30 more customers arrive.
    await faults({ kms: 'reset' });
    const pseudonyms = await ingest(`KM-${runId()}`, 30);
    await faults({ kms: 'none' });

    // Assess
    await expectSegmentedOnce(pseudonyms);
  });

  it('a worker crash half-way through a batch: redelivery segments the rest, nobody twice', async () => {
    // Act: the next two worker invocations commit half their batch, then crash.
    await faults({ workerCrashes: 2 });
    const pseudonyms = await ingest(`WC-${runId()}`, 40);

    // Assess
    await expectSegmentedOnce(pseudonyms);
  }, 60_000);

  it('worker down until the DLQ: `npm run redrive` replays each customer once after the fault clears', async () => {
    // Prepare: the worker fails every invocation; after maxReceiveCount receives the messages are in the DLQ.
    await faults({ workerDown: true });
    const pseudonyms = await ingest(`RD-${runId()}`, 12);
    await eventually(async () => ((await dlqDepth()) >= pseudonyms.length ? true : undefined), 45_000);
    expect(await Promise.all(pseudonyms.map(revisionOf))).toEqual(pseudonyms.map(() => undefined));

    // Act: the fault clears, the DLQ is redriven through the command users run.
    await faults({ workerDown: false });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'infra/local/redrive.ts', '--queue', 'segmentation'],
      { env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir } },
    );

    // Assess: everything moved, each customer segmented exactly once, the DLQ empty.
    const moved = JSON.parse(stdout.trim()) as { queue: string; moved: number; failed: number };
    expect(moved).toMatchObject({ queue: 'segmentation', failed: 0 });
    expect(moved.moved).toBeGreaterThanOrEqual(pseudonyms.length);
    await expectSegmentedOnce(pseudonyms);
    await eventually(async () => ((await dlqDepth()) === 0 ? true : undefined), 5000);
  }, 90_000);
});
