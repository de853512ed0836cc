import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as adapters from '../../shared/adapters/compose.js';
import { newSalt } from '../../shared/domain/privacy/subject-directory.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

/**
 * What an ingestion request that dies between its writes leaves behind (kill -9, a timeout, an outage
 * between the profile write and the queue send) is invisible to the read routes and repaired by the
 * reconciler from the request's intent: accepted customers queued again, never-accepted ones removed.
 */
const doc = localDynamo();
afterAll(() => doc.destroy());
let keys: ReturnType<typeof adapters.keys>;
beforeAll(() => {
  Object.assign(process.env, env());
  keys = adapters.keys(env());
});

const run = promisify(execFile);
const reconcile = async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', resolve('infra/local/invoke.ts'), 'reconciler'],
    {
      env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir },
    },
  );
  return JSON.parse(stdout.slice(stdout.lastIndexOf('{\n'))) as Record<string, number>;
};
const intentsNaming = async (lookup: string) =>
  (
    (await doc.send(new ScanCommand({ TableName: env().TABLE_INGEST_INTENTS, ConsistentRead: true })))
      .Items ?? []
  ).filter((i) => JSON.stringify(i).includes(lookup));

describe('crash repair', () => {
  const id = runId();
  const customer = (externalId: string) => ({
    externalId,
    type: 'individual',
    jurisdictions: ['DE'],
    lawfulBasis,
  });

  it('leaves no intent behind when a request completes', async () => {
    const res = await api('ingest', 'POST', '/v1/customers', { records: [customer(`CR-${id}-ok`)] });
    expect(res.status).toBe(207);
    const lookup = (await keys.pseudonymiser()).subjectLookup(`CR-${id}-ok`);
    expect(await intentsNaming(lookup)).toEqual([]);
  });

  it('hides a half-written customer from the reads and removes it; queues an accepted one again', async () => {
    // Prepare: a request that "crashed" 20 minutes ago after creating the directory entry and subject key
    // of one customer (never accepted), beside a customer it did accept.
    const pseudonymiser = await keys.pseudonymiser();
    const accepted = `CR-${id}-acc`;
    const orphan = `CR-${id}-orphan`;
    const ingested = await api('ingest', 'POST', '/v1/customers', { records: [customer(accepted)] });
    const acceptedPseudonym = ingested.body.results[0].pseudonym as string;
    const crashedAt = new Date(Date.now() - 20 * 60_000);
    const salt = newSalt();
    const orphanLookup = pseudonymiser.subjectLookup(orphan);
    const orphanPseudonym = pseudonymiser.subjectPseudonym(orphan, salt);
    await adapters
      .subjects(env())
      .create([{ lookup: orphanLookup, salt, pseudonym: orphanPseudonym }], crashedAt);
    await keys.subjectKeys([orphanPseudonym], true);
    const intentId = `crashed-${id}`;
    await doc.send(
      new PutCommand({
        TableName: env().TABLE_INGEST_INTENTS,
        Item: {
          intentId,
          kind: 'customers',
          lookups: [pseudonymiser.subjectLookup(accepted), orphanLookup],
          createdAt: crashedAt.toISOString(),
        },
      }),
    );

    // Before any repair, the reads already do not see the half-written customer.
    expect((await api('analyst', 'POST', '/v1/customers/lookup', { externalId: orphan })).status).toBe(404);

    // Act
    const done = await reconcile();

    // Assess
    expect(done.intents).toBeGreaterThanOrEqual(1);
    const get = (table: string | undefined, key: Record<string, string>) =>
      doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })).then((r) => r.Item);
    expect(await get(env().TABLE_SUBJECT_INDEX, { lookup: orphanLookup })).toBeUndefined();
    expect(await get(env().TABLE_SUBJECT_KEYS, { pseudonym: orphanPseudonym })).toBeUndefined();
    expect(await get(env().TABLE_INGEST_INTENTS, { intentId })).toBeUndefined();
    expect(
      await get(env().TABLE_AUDIT, { stream: 'system', eventId: `ingest.repaired#${intentId}` }),
    ).toMatchObject({
      action: 'ingest.repaired',
      details: { kind: 'customers', requeued: 1, removed: 1 },
    });
    // The accepted customer is untouched and still segmented.
    const lookup = await api('analyst', 'POST', '/v1/customers/lookup', { externalId: accepted });
    expect(lookup.body.pseudonym).toBe(acceptedPseudonym);
    await eventually(async () =>
      (await api('analyst', 'GET', `/v1/customers/${acceptedPseudonym}/segment`)).status === 200
        ? true
        : undefined,
    );
  });
});
