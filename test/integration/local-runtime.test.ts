import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { provision } from '../../infra/local/provision.js';
import { resourceName } from '../../infra/manifest.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const run = promisify(execFile);
const doc = localDynamo();
afterAll(() => doc.destroy());

const invoke = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', resolve('infra/local/invoke.ts'), ...args], {
    env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir },
  });

describe('local runtime tooling', () => {
  it('invokes the scheduled re-segmentation by hand; unchanged customers get no new decision', async () => {
    // Prepare
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [{ externalId: `S-${runId()}`, type: 'individual', jurisdictions: ['FR'], lawfulBasis }],
    });
    const pseudonym = res.body.results[0].pseudonym as string;
    const get = async () =>
      (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item;
    await eventually(get);

    // Act
    const { stdout } = await invoke('resegmentScheduler');
    await new Promise((r) => setTimeout(r, 3000));

    // Assess
    expect(JSON.parse(stdout.slice(stdout.indexOf('{\n')))).toEqual({
      runId: expect.stringMatching(/^run-/),
      shards: expect.any(Number),
    });
    expect((await get())?.revision).toBe(1);
  });

  it('runs a re-segmentation with progress and counts every customer done', async () => {
    // Act
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', resolve('infra/local/resegment.ts'), '--older-than-days', '0', '--timeout', '60'],
      { env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir } },
    );

    // Assess
    const summary = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(summary.runId).toMatch(/^run-/);
    expect(summary.enqueued).toBeGreaterThan(0);
    expect(summary.done + summary.failed).toBe(summary.enqueued);
    expect(summary.failed).toBe(0);
    expect(summary.shards).toBeGreaterThan(1);
    expect(stderr).toContain('100%');
  }, 90_000);

  it('provisions idempotently: a second run (a restart) keeps resources and data', async () => {
    // Prepare
    const { endpoints, stage } = inject('runtime');
    const before = await doc.send(
      new GetCommand({ TableName: env().TABLE_KEYRING, Key: { keyRef: 'mac#k1' }, ConsistentRead: true }),
    );

    // Act
    // Same settings as test/global-setup.ts: SQS, like AWS, refuses to re-create a queue with other attributes.
    const again = await provision(endpoints, stage, { visibilityTimeoutSeconds: 2 });

    // Assess
    for (const [name, value] of Object.entries(again)) expect(env()[name]).toBe(value);
    const after = await doc.send(
      new GetCommand({ TableName: env().TABLE_KEYRING, Key: { keyRef: 'mac#k1' }, ConsistentRead: true }),
    );
    expect(before.Item).toBeDefined();
    expect(after.Item).toEqual(before.Item);
  });

  it('adds an index a data directory from an earlier release lacks, keeping the data', async () => {
    // Prepare
    const { endpoints } = inject('runtime');
    const stage = `upgrade${runId()}`;
    const dynamo = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: endpoints.dynamodb,
    });
    // The runs table as a release before jobs created it: no activeJobs index.
    const TableName = resourceName(stage, 'runs');
    await dynamo.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'runId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'runId', AttributeType: 'S' }],
      }),
    );
    await doc.send(new PutCommand({ TableName, Item: { runId: 'run-kept', status: 'enqueued' } }));
    const indexes = async () =>
      ((await dynamo.send(new DescribeTableCommand({ TableName }))).Table?.GlobalSecondaryIndexes ?? []).map(
        (i) => i.IndexName,
      );
    expect(await indexes()).toEqual([]);

    // Act: the next start provisions (a new stage's other tables are created: tens of seconds).
    await provision(endpoints, stage, { visibilityTimeoutSeconds: 2 });

    // Assess
    expect(await indexes()).toEqual(['activeJobs']);
    const kept = await doc.send(
      new GetCommand({ TableName, Key: { runId: 'run-kept' }, ConsistentRead: true }),
    );
    expect(kept.Item).toMatchObject({ status: 'enqueued' });
    dynamo.destroy();
  }, 120_000);

  it('signs an audit checkpoint while starting, before the first request can append to a chain', async () => {
    // Act
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_AUDIT,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExpressionAttributeValues: { ':s': 'checkpoints' },
        ConsistentRead: true,
        Limit: 1,
      }),
    );

    // Assess: runtime.json is written once the system is up, so the first checkpoint predates it.
    const started = statSync(join(inject('runtime').dataDir, 'runtime.json')).mtimeMs;
    expect(Items).toHaveLength(1);
    expect(Date.parse(String(Items?.[0]?.at))).toBeLessThanOrEqual(started);
  });

  it('rejects an unknown function name with the list of functions', async () => {
    await expect(invoke('noSuchFunction')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('segmentWorker'),
    });
  });
});
