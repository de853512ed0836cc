import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { assignmentItem } from '../../shared/adapters/dynamo-assignment-store.js';
import { auditPut } from '../../shared/adapters/dynamo-audit-log.js';
import { DynamoInsightsReader } from '../../shared/adapters/dynamo-insights.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { auditOf, decisionOf } from '../bench/scale-population.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

/**
 * The scale benchmark writes its population straight into DynamoDB: what it writes must be what the
 * product writes, or the figures measure another system. A customer goes through ingest and the
 * worker; its stored items are compared with the benchmark's builders.
 */
const doc = localDynamo();
const shape = (item: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(item)
      .map(([k, v]) => [k, Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
/** Fields a decision carries only in some cases (a pin, a cooldown, a prediction, an outbox). */
const optional = new Set([
  'pinned',
  'downgradePendingSince',
  'overrideBy',
  'prediction',
  'recheckAt',
  'dueAt',
  'pendingEvents',
  // Which commit stored the item (DynamoAssignmentStore.commitMany), not part of the decision.
  'commitToken',
  'outbox',
  'retainUntil',
]);
/** Fields only a linked audit record has: the benchmark's records are not chained (it never verifies). */
const chainFields = new Set(['chain', 'chainPosition', 'prevHash', 'hash']);
const without = (item: Record<string, unknown>, drop: Set<string>) =>
  Object.fromEntries(Object.entries(item).filter(([k]) => !drop.has(k)));

it('loads assignments and audit records shaped exactly as ingest and the worker store them', async () => {
  const res = await api('ingest', 'POST', '/v1/customers', {
    records: [{ externalId: `SCALE-${runId()}`, type: 'individual', jurisdictions: ['DE'], lawfulBasis }],
  });
  expect(res.status).toBe(207);
  const pseudonym = res.body.results[0].pseudonym as string;
  const stored = await eventually(
    async () =>
      (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item,
  );

  // The builder is the worker's own: the stored item is exactly what it makes of the decision.
  const { segmentShard: _key, commitToken, ...decision } = stored;
  expect({ ...assignmentItem(decision as Assignment), commitToken }).toEqual(stored);
  // The benchmark's decisions have the same attributes, of the same types.
  const synthetic = assignmentItem(decisionOf(7));
  expect(shape(without(synthetic, optional))).toEqual(shape(without(stored, optional)));
  expect(shape(without(synthetic.inputs as Record<string, unknown>, new Set()))).toEqual(
    shape(stored.inputs as Record<string, unknown>),
  );

  // The subject's audit stream, read as the history route reads it.
  const stream = new DynamoInsightsReader(doc, {
    assignments: String(env().TABLE_ASSIGNMENTS),
    audit: String(env().TABLE_AUDIT),
  });
  const records = await eventually(async () =>
    (await stream.subjectRecords(pseudonym)).find((r) => r.action === 'segment.assigned'),
  );
  const loaded = auditPut(String(env().TABLE_AUDIT), auditOf(decisionOf(7))).Item;
  expect(shape(loaded)).toEqual(shape(without(records, chainFields)));
  expect(String(loaded.dayShard)).toMatch(/^\d{4}-\d{2}-\d{2}#\d{2}$/);
}, 60_000);
