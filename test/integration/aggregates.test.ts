import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTable } from '../../infra/local/provision.js';
import { tables as tableSpecs } from '../../infra/manifest-resources.js';
import type { TableName } from '../../infra/manifest-types.js';
import { AuditChainWriter } from '../../shared/adapters/audit-chain-writer.js';
import { DynamoAggregateSources, DynamoAggregates } from '../../shared/adapters/dynamo-aggregates.js';
import { DynamoAssignmentStore } from '../../shared/adapters/dynamo-assignment-store.js';
import { DynamoCaseStore } from '../../shared/adapters/dynamo-case-store.js';
import { DynamoOutcomeStore } from '../../shared/adapters/dynamo-outcome-store.js';
import { DynamoPrivacyStore } from '../../shared/adapters/dynamo-privacy.js';
import { auditEvent } from '../../shared/domain/audit.js';
import { caseIdOf, openCase, transitionCase } from '../../shared/domain/cases/case.js';
import {
  CASES,
  COUNTER_SHARDS,
  type CounterDelta,
  incidentsItem,
  POPULATION,
  rebuildAggregates,
  recount,
} from '../../shared/domain/insights/aggregates.js';
import type { Assignment, AuditOutcome } from '../../shared/domain/ports.js';
import { localDynamo, localDynamoClient, runId } from '../helpers/local.js';

/**
 * The maintained aggregates against a full recount, on DynamoDB Local with the production adapters:
 * after any sequence of decisions (new, changed, stale ones a concurrent writer beat), outcomes
 * (repeated ones too), cases opened and moved, and erasures, written by several "containers" (each
 * its own counter shard), the aggregates read back equal what a recount of the tables gives. The
 * rebuild is never called between operations; at the end it must change nothing either.
 */
const stage = `agg${runId()}`;
const counted: TableName[] = [
  'assignments',
  'outcomes',
  'cases',
  'aggregates',
  'audit',
  'subjectIndex',
  'subjectKeys',
  'profiles',
  'transactions',
  'overrides',
  'feedback',
  'erasureRequests',
  'kycReviews',
];
const name = (t: TableName) => `${stage}-${t}`;
const segments = ['low', 'medium', 'high', 'critical'] as const;
const codes = ['PEP', 'CASH', 'CRYPTO', 'HIGH_RISK_COUNTRY'] as const;
const months = ['2026-09', '2026-10', '2026-11', '2026-12'] as const;

type Op =
  | { kind: 'decide'; customer: number; segment: string; score: number; codes: string[]; writer: number }
  | { kind: 'stale-decide'; customer: number; segment: string; writer: number }
  | { kind: 'outcome'; customer: number; issue: boolean; month: number; repeat: boolean; writer: number }
  | { kind: 'open-case'; customer: number; withSegment: boolean; cause: number; writer: number }
  | {
      kind: 'move-case';
      customer: number;
      cause: number;
      close: boolean;
      issue: boolean;
      hours: number;
      writer: number;
    }
  | { kind: 'erase'; customer: number; writer: number };

const customer = fc.integer({ min: 0, max: 3 });
const writer = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('decide' as const),
    customer,
    segment: fc.constantFrom(...segments),
    score: fc.integer({ min: -5, max: 120 }),
    codes: fc.subarray([...codes]),
    writer,
  }),
  fc.record({
    kind: fc.constant('stale-decide' as const),
    customer,
    segment: fc.constantFrom(...segments),
    writer,
  }),
  fc.record({
    kind: fc.constant('outcome' as const),
    customer,
    issue: fc.boolean(),
    month: fc.integer({ min: 0, max: months.length - 1 }),
    repeat: fc.boolean(),
    writer,
  }),
  fc.record({
    kind: fc.constant('open-case' as const),
    customer,
    withSegment: fc.boolean(),
    cause: fc.integer({ min: 0, max: 1 }),
    writer,
  }),
  fc.record({
    kind: fc.constant('move-case' as const),
    customer,
    cause: fc.integer({ min: 0, max: 1 }),
    close: fc.boolean(),
    issue: fc.boolean(),
    hours: fc.integer({ min: 1, max: 24 * 90 }),
    writer,
  }),
  fc.record({ kind: fc.constant('erase' as const), customer, writer }),
);

/** The counters with zeros dropped, as plain sorted entries: equal aggregates compare equal. */
function normalised(delta: ReadonlyMap<string, ReadonlyMap<string, number>>) {
  return Object.fromEntries(
    [...delta]
      .map(
        ([item, counters]) =>
          [item, Object.fromEntries([...counters].filter(([, n]) => n !== 0).sort())] as const,
      )
      .filter(([, counters]) => Object.keys(counters).length > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

describe('maintained aggregates equal a full recount', () => {
  const doc = localDynamo();
  const items = [POPULATION, CASES, ...months.map(incidentsItem)];
  const sources = new DynamoAggregateSources(doc, {
    assignments: name('assignments'),
    outcomes: name('outcomes'),
    cases: name('cases'),
  });
  /** Three containers: each its own counter shard and audit chain, as Lambda containers have. */
  const writers = [0, 1, COUNTER_SHARDS - 1].map((shard) => {
    const aggregates = new DynamoAggregates(doc, name('aggregates'), shard);
    const chain = new AuditChainWriter(doc, name('audit'));
    const assignments = new DynamoAssignmentStore(doc, name('assignments'), chain, aggregates);
    return {
      aggregates,
      assignments,
      outcomes: new DynamoOutcomeStore(doc, name('outcomes'), aggregates),
      cases: new DynamoCaseStore(
        doc,
        { cases: name('cases'), outcomes: name('outcomes'), kycReviews: name('kycReviews') },
        chain,
        aggregates,
      ),
      privacy: new DynamoPrivacyStore(
        doc,
        {
          subjectIndex: name('subjectIndex'),
          subjectKeys: name('subjectKeys'),
          profiles: name('profiles'),
          transactions: name('transactions'),
          assignments: name('assignments'),
          overrides: name('overrides'),
          feedback: name('feedback'),
          outcomes: name('outcomes'),
          erasureRequests: name('erasureRequests'),
          cases: name('cases'),
          kycReviews: name('kycReviews'),
        },
        aggregates,
      ),
    };
  });
  let clock = Date.parse('2026-12-01T00:00:00.000Z');
  const tick = (ms = 1000) => {
    clock += ms;
    return new Date(clock);
  };

  beforeAll(async () => {
    const dynamo = localDynamoClient();
    await Promise.all(counted.map((t) => createTable(dynamo, name(t), tableSpecs[t])));
  });

  /** Customers erased in this run: the product refuses anything new about them (SUBJECT_ERASED). */
  const erased = new Set<string>();

  async function apply(o: Op, run: string): Promise<void> {
    const w = writers[o.writer] as (typeof writers)[number];
    const pseudonym = `k1.${`${run}${o.customer}`.padEnd(43, 'x')}`;
    if (erased.has(pseudonym)) return;
    const actor = { principalId: 'officer-1', role: 'compliance', requestId: `r-${run}`, now: tick() };
    switch (o.kind) {
      case 'decide':
      case 'stale-decide': {
        const previous = await w.assignments.get(pseudonym);
        const revision = (previous?.revision ?? 0) + 1;
        const assignment = {
          ...(previous ?? {}),
          pseudonym,
          segment: o.segment,
          score: o.kind === 'decide' ? o.score : 50,
          reasonCodes: o.kind === 'decide' ? o.codes : ['PEP'],
          assignedAt: actor.now.toISOString(),
          revision,
        } as Assignment;
        const audit = auditEvent({
          eventId: `decision:${pseudonym}:${revision}:${o.kind}`,
          subject: pseudonym,
          actor: { type: 'system', id: 'test' },
          action: 'segment.assigned',
          reasonCodes: assignment.reasonCodes,
          requestId: actor.requestId,
          at: actor.now,
        });
        if (o.kind === 'decide') {
          await w.assignments.commitMany([{ assignment, audit, ...(previous ? { previous } : {}) }]);
          return;
        }
        // A concurrent writer decided first: this decision's revision condition must refuse it, counts and all.
        if (!previous) return;
        await w.assignments.commitMany([
          { assignment: { ...assignment, revision: previous.revision }, audit, previous },
        ]);
        return;
      }
      case 'outcome': {
        const placedIn = (await w.assignments.placements([pseudonym])).get(pseudonym);
        const outcome: AuditOutcome = {
          pseudonym,
          outcomeId: `o-${run}-${o.customer}-${o.month}-${o.issue}`,
          outcome: o.issue ? 'issue' : 'no_issue',
          date: `${months[o.month]}-15`,
          source: 'TRANSACTION_MONITORING',
          recordedBy: 'analyst-1',
          recordedAt: actor.now.toISOString(),
          ...(placedIn ? { placedIn } : {}),
        };
        await w.outcomes.putMany(o.repeat ? [outcome, outcome] : [outcome]);
        return;
      }
      case 'open-case': {
        const placements = w.assignments;
        await openCase(
          {
            kind: 'compliance_review',
            subject: pseudonym,
            reasonCode: 'MANUAL_REVIEW',
            triggerEventId: `cause-${o.cause}`,
            ...(o.withSegment ? { segment: 'high' } : {}),
          },
          { cases: w.cases, placements },
          actor,
        );
        return;
      }
      case 'move-case': {
        const caseId = caseIdOf('compliance_review', pseudonym, `cause-${o.cause}`);
        const current = await w.cases.get(caseId);
        if (!current || current.status === 'closed') return;
        const to = current.status === 'open' ? 'in_review' : 'closed';
        await transitionCase(
          caseId,
          to === 'closed'
            ? {
                to,
                outcome: {
                  result: o.issue ? 'issue_found' : 'no_issue',
                  reasonCode: 'REVIEWED',
                  recordAuditOutcome: true,
                },
              }
            : { to },
          { cases: w.cases, placements: w.assignments },
          { ...actor, now: tick(o.hours * 3_600_000) },
        );
        return;
      }
      case 'erase':
        await w.privacy.shred(pseudonym);
        erased.add(pseudonym);
        return;
    }
  }

  /**
   * Incident items of the months after `months` that the clock has reached: cases closed with an
   * issue are dated by the clock, which moves on by up to 90 days per case move across runs.
   */
  function laterIncidentItems(): string[] {
    const later: string[] = [];
    const month = new Date(`${months[months.length - 1]}-01T00:00:00.000Z`);
    for (month.setUTCMonth(month.getUTCMonth() + 1); month.getTime() <= clock; ) {
      later.push(incidentsItem(month.toISOString().slice(0, 7)));
      month.setUTCMonth(month.getUTCMonth() + 1);
    }
    return later;
  }

  async function recounted(): Promise<CounterDelta> {
    const rows = { assignments: [] as never[], outcomes: [] as never[], cases: [] as never[] };
    for await (const page of sources.assignments()) rows.assignments.push(...(page as never[]));
    for await (const page of sources.outcomes()) rows.outcomes.push(...(page as never[]));
    for await (const page of sources.cases()) rows.cases.push(...(page as never[]));
    return recount(rows);
  }

  it('after any sequence of writes, and the rebuild then changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const run = runId();
        for (const o of ops) await apply(o, run);

        const maintained = await writers[0]?.aggregates.read([...items, ...laterIncidentItems()]);
        expect(normalised(maintained as CounterDelta)).toEqual(normalised(await recounted()));
      }),
      {
        numRuns: 40,
        // Always tried first: a customer decided, audited, taken through a case, re-decided and erased.
        examples: [
          [
            [
              { kind: 'decide', customer: 0, segment: 'high', score: 70, codes: ['PEP'], writer: 0 },
              { kind: 'outcome', customer: 0, issue: true, month: 1, repeat: true, writer: 1 },
              { kind: 'open-case', customer: 0, withSegment: false, cause: 0, writer: 2 },
              { kind: 'move-case', customer: 0, cause: 0, close: true, issue: true, hours: 5, writer: 0 },
              { kind: 'move-case', customer: 0, cause: 0, close: true, issue: true, hours: 30, writer: 1 },
              { kind: 'decide', customer: 0, segment: 'low', score: 2, codes: [], writer: 2 },
              { kind: 'stale-decide', customer: 0, segment: 'critical', writer: 0 },
              { kind: 'erase', customer: 0, writer: 1 },
            ],
          ],
        ],
      },
    );

    const before = normalised((await writers[0]?.aggregates.read(items)) as CounterDelta);
    const rebuilt = await rebuildAggregates({ sources, target: writers[1]?.aggregates as DynamoAggregates });
    expect(rebuilt.assignments).toBeGreaterThan(0);
    expect(normalised((await writers[2]?.aggregates.read(items)) as CounterDelta)).toEqual(before);
  }, 240_000);
});
