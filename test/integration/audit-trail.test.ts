import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dayShardOf, shardKeys } from '../../shared/adapters/index-shards.js';
import { auditEvent } from '../../shared/domain/audit.js';
import { chainIdOf, GENESIS_HASH, recordHash } from '../../shared/domain/audit-trail/chain.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const run = promisify(execFile);
const doc = localDynamo();
afterAll(() => doc.destroy());

type Item = Record<string, unknown> & {
  stream: string;
  eventId: string;
  chain: string;
  chainPosition: string;
};

const auditTable = () => env().TABLE_AUDIT as string;
const query = async (input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) =>
  ((await doc.send(new QueryCommand({ TableName: auditTable(), ...input }))).Items ?? []) as Item[];
const queryAll = async (input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) => {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ TableName: auditTable(), ...input, ExclusiveStartKey }));
    items.push(...((page.Items ?? []) as Item[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
};
const put = (item: Item) => doc.send(new PutCommand({ TableName: auditTable(), Item: item }));
const verification = async () => {
  const res = await api('compliance', 'GET', '/v1/audit/verification');
  expect(res.status).toBe(200);
  return res.body as { intact: boolean; findings: { problem: string; seq?: number; record?: Item }[] };
};
const verifyCli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', resolve('infra/local/audit-verify.ts'), ...args], {
    env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir },
  });

type Report = Awaited<ReturnType<typeof verification>>;
const named = (r: Item) => ({ stream: r.stream, eventId: r.eventId });

/** Tampers with the stored trail, checks the report, then restores both records and expects a clean trail. */
async function whileTampered(tamper: () => Promise<unknown>, check: (report: Report) => Promise<void>) {
  await tamper();
  try {
    await check(await verification());
  } finally {
    await put(first);
    await put(second);
  }
  expect((await verification()).intact).toBe(true);
}

/** Two neighbouring records of one chain, written by this test's customers. */
let first: Item;
let second: Item;

beforeAll(async () => {
  const prefix = runId();
  const res = await api('ingest', 'POST', '/v1/customers', {
    records: [1, 2, 3].map((n) => ({
      externalId: `AUDIT-${prefix}-${n}`,
      type: 'individual',
      jurisdictions: ['DE'],
      lawfulBasis,
    })),
  });
  const pseudonym = res.body.results[0].pseudonym as string;
  const mine = await eventually(async () =>
    (
      await query({
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExpressionAttributeValues: { ':s': pseudonym },
      })
    ).find((i) => i.action === 'segment.assigned'),
  );
  // Our record and its neighbour in the chain, by position (event ids repeat across streams).
  // Read from the chain's day in byDayShard, as the verifier reads chains.
  const at = async (seq: number) => {
    const day = await Promise.all(
      shardKeys(mine.chain.slice(0, 10)).map((key) =>
        queryAll({
          IndexName: 'byDayShard',
          KeyConditionExpression: 'dayShard = :d',
          ExpressionAttributeValues: { ':d': key },
        }),
      ),
    );
    return day.flat().find((i) => i.chain === mine.chain && Number(i.chainPosition) === seq);
  };
  const seq = Number(mine.chainPosition);
  // The record before ours when there is one, else the one after (which may still be coming).
  [first, second] =
    seq > 1 ? [(await at(seq - 1)) as Item, mine] : [mine, await eventually(() => at(seq + 1))];
}, 60_000);

describe('tamper-evident audit trail', () => {
  it('links every record into a chain with its position and the previous hash', () => {
    expect(first.chain).toBe(second.chain);
    expect(Number(second.chainPosition)).toBe(Number(first.chainPosition) + 1);
    expect(second.prevHash).toBe(first.hash);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies an intact trail, from the API and from `npm run audit:verify` after a signed checkpoint', async () => {
    expect((await verification()).intact).toBe(true);
    const { stdout, stderr } = await verifyCli('--checkpoint');
    const report = JSON.parse(stdout) as { intact: boolean; checkpoints: number; chains: number };
    expect(report.intact).toBe(true);
    expect(report.checkpoints).toBeGreaterThanOrEqual(1);
    expect(stderr).toContain('✓ intact');
  }, 60_000);

  it('names a record edited in DynamoDB, and is intact again once it is restored', async () => {
    await whileTampered(
      () => put({ ...second, reasonCodes: ['NOTHING_TO_SEE_HERE'] }),
      async (report) => {
        expect(report.intact).toBe(false);
        expect(report.findings).toContainEqual(
          expect.objectContaining({ problem: 'edited', record: named(second) }),
        );
      },
    );
  });

  it('names the position of a deleted record, and the CLI exits 1 naming it', async () => {
    await whileTampered(
      () => doc.send(new DeleteCommand({ TableName: auditTable(), Key: named(first) })),
      async (report) => {
        expect(report.findings).toContainEqual(
          expect.objectContaining({ problem: 'missing', seq: Number(first.chainPosition) }),
        );
        const failed = await verifyCli().catch((error: { code: number; stderr: string }) => error);
        expect(failed).toMatchObject({ code: 1 });
        expect((failed as { stderr: string }).stderr).toContain(`missing`);
        expect((failed as { stderr: string }).stderr).toContain(`position ${Number(first.chainPosition)}`);
      },
    );
  }, 60_000);

  it('names records whose order was changed', async () => {
    await whileTampered(
      async () => {
        await put({ ...first, chainPosition: second.chainPosition });
        await put({ ...second, chainPosition: first.chainPosition });
      },
      async (report) => {
        const reordered = report.findings.filter((f) => f.problem === 'reordered').map((f) => f.record);
        expect(reordered).toEqual([named(second), named(first)]);
      },
    );
  });

  it('names a record whose chain fields were stripped', async () => {
    const { chain: _c, chainPosition: _s, prevHash: _p, hash: _h, ...stripped } = second;
    await whileTampered(
      () => put(stripped as Item),
      async (report) => {
        expect(report.findings).toContainEqual(
          expect.objectContaining({ problem: 'unchained', record: named(second) }),
        );
      },
    );
  });

  it('lets only compliance and admin verify', async () => {
    expect((await api('analyst', 'GET', '/v1/audit/verification')).status).toBe(403);
    expect((await api('ingest', 'GET', '/v1/audit/verification')).status).toBe(403);
    expect((await api('admin', 'GET', '/v1/audit/verification?day=2026-13-45')).status).toBe(400);
  });
});

describe('a chain linked before chainPosition replaced chainSeq (readers accept both)', () => {
  /** Three records linked as releases before 2026-12 linked them: `chainSeq`, in the byChain index. */
  async function writeLegacyChain(): Promise<Item[]> {
    const day = new Date().toISOString().slice(0, 10);
    const chain = chainIdOf(day, `legacy${runId()}`);
    let prevHash = GENESIS_HASH;
    const records: Item[] = [];
    for (let n = 1; n <= 3; n++) {
      const content = {
        ...auditEvent({
          eventId: `legacy#${n}`,
          subject: null,
          actor: { type: 'system', id: 'older-release' },
          action: 'model.created',
          reasonCodes: [],
          requestId: `legacy-${n}`,
          at: new Date(),
        }),
        stream: `legacy-${runId()}`,
      };
      const withLink = {
        ...content,
        dayShard: dayShardOf(content.day, `${content.stream}|${content.eventId}`),
        chain,
        chainSeq: String(n).padStart(12, '0'),
        prevHash,
      };
      prevHash = recordHash(withLink);
      records.push({ ...withLink, hash: prevHash } as unknown as Item);
    }
    for (const record of records) await put(record);
    await put({
      stream: 'chains',
      eventId: chain,
      headSeq: 3,
      headHash: prevHash,
      updatedAt: new Date().toISOString(),
    } as unknown as Item);
    return records;
  }

  it('verifies it through the byChain index beside the newer chains, and names an edit in it', async () => {
    // Prepare
    const [, middle] = await writeLegacyChain();
    const edited = { ...(middle as Item), reasonCodes: ['NOTHING_TO_SEE_HERE'] };

    // Act and Assess: intact as written; an edit is named; intact again once restored.
    expect((await verification()).intact).toBe(true);
    await put(edited);
    try {
      const report = await verification();
      expect(report.findings).toContainEqual(
        expect.objectContaining({ problem: 'edited', record: named(middle as Item) }),
      );
    } finally {
      await put(middle as Item);
    }
    expect((await verification()).intact).toBe(true);
  }, 60_000);
});
