import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAssignmentStore } from '../../shared/adapters/dynamo-assignment-store.js';
import { DynamoFeedbackStore } from '../../shared/adapters/dynamo-feedback.js';
import { DynamoOverrideStore } from '../../shared/adapters/dynamo-override-store.js';
import { DynamoProfileStore } from '../../shared/adapters/dynamo-profile-store.js';
import { DynamoRunStore } from '../../shared/adapters/dynamo-run-store.js';
import { DynamoTransactionStore } from '../../shared/adapters/dynamo-transaction-store.js';
import type { Assignment, ResegmentationRun, StoredProfile } from '../../shared/domain/ports.js';
import { compileModel, loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { runFinished } from '../../shared/domain/segmentation/runs.js';
import { simulate } from '../../shared/domain/segmentation/simulate.js';
import { lawfulBasis, storedDecision } from '../helpers/fixtures.js';
import { activePopulation, dueNextDay } from './active-population.js';
import {
  postCustomers,
  rawParallelScan,
  startBenchStack,
  waitForAssignments,
  writeItems,
} from './local-stack.js';
import type { BenchResult } from './measure.js';
import { syntheticInputs } from './scale-population.js';

// The figure. Loading 100,000 assignments into DynamoDB Local takes about 30 s on the 2-core
// machine; BENCH_POPULATION=20000 for a quicker run.
const population = Number(process.env.BENCH_POPULATION ?? 100_000);
const resegmentCustomers = Number(process.env.BENCH_RESEGMENT_CUSTOMERS ?? 2000);
// Customers of the active population whose decisions tell how many a daily run queues.
const activeCustomers = Number(process.env.BENCH_ACTIVE_CUSTOMERS ?? 5000);
// A heavier day than the active population's, for the daily run's second figure.
const stressShare = Number(process.env.BENCH_DUE_SHARE ?? 0.1);

const everyNth = (share: number) =>
  share > 0 ? Math.max(1, Math.round(1 / share)) : Number.POSITIVE_INFINITY;
let dueEvery = Number.POSITIVE_INFINITY;
const isSyntheticDue = (i: number) => i % dueEvery === 0;

/**
 * A stored assignment with the inputs a simulation reads; deterministic per index. Every
 * `dueEvery`-th is due (its dueAt has passed): the daily run's work.
 */
const syntheticPseudonym = (i: number) => `k1.${String(i).padStart(43, 'B')}`;

function syntheticAssignment(i: number): Assignment {
  const due = isSyntheticDue(i) ? '2026-11-02T00:00:00.000Z' : null;
  return storedDecision(syntheticPseudonym(i), syntheticInputs(i), { recheckAt: due, dueAt: due });
}

/** The stored profile behind a synthetic assignment: what the worker reads to re-evaluate it. */
function syntheticProfile(i: number): StoredProfile {
  const { pseudonym, inputs } = syntheticAssignment(i);
  const features = inputs.profile as Pick<StoredProfile, 'customerType' | 'jurisdictions' | 'flags'>;
  return {
    pseudonym,
    macKeyVersion: 'k1',
    customerType: features.customerType,
    jurisdictions: features.jurisdictions,
    attributes: {},
    flags: features.flags,
    lawfulBasis,
    contentDigest: `c${i}`,
    version: 1,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
  };
}

/**
 * Population-wide work against a raw parallel Scan of the same DynamoDB Local table:
 * a simulation over `population` stored customers, and a re-segmentation run end to end.
 */
export async function run(): Promise<BenchResult[]> {
  const { byInputs, byOutcome } = await activeDueShares();
  dueEvery = everyNth(byOutcome.share);

  const { runtime, doc, stop } = await startBenchStack();
  try {
    const assignmentsTable = runtime.env.TABLE_ASSIGNMENTS as string;
    const store = new DynamoAssignmentStore(doc, assignmentsTable, undefined);
    const loadStarted = performance.now();
    await writeItems(
      doc,
      assignmentsTable,
      population,
      (i) => syntheticAssignment(i) as unknown as Record<string, unknown>,
    );
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    // Warm the JVM on the same table, then measure both sides on it.
    await rawParallelScan(doc, assignmentsTable);
    const scanRate = await rawParallelScan(doc, assignmentsTable);
    const candidate = compileModel(loadDefaultModel());
    const simStarted = performance.now();
    const report = await simulate(candidate, store.scanAll(), [
      { kind: 'addToList', list: 'highRiskCountries', values: ['LU'] },
    ]);
    const simSeconds = (performance.now() - simStarted) / 1000;
    if (report.evaluated !== population) throw new Error(`simulated ${report.evaluated} of ${population}`);

    const scheduler = (await import('../../functions/resegment-scheduler/handler.js')).handler;
    const runs = new DynamoRunStore(doc, runtime.env.TABLE_RUNS as string);
    const timedRun = async (scope: 'all' | 'due', name: string) => {
      const started = performance.now();
      const { runId } = await scheduler({ source: 'bench', filter: { scope } }, {
        awsRequestId: name,
      } as never);
      for (;;) {
        const state = await runs.get(runId);
        if (state && runFinished(state)) return { seconds: (performance.now() - started) / 1000, run: state };
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // A run by hand over everyone: customers ingested for real (so their inputs are unchanged),
    // each costing a queue message and the worker's reads.
    await postCustomers(runtime, 'reseg', resegmentCustomers);
    await waitForAssignments(doc, assignmentsTable, population + resegmentCustomers);
    const smallScanRate = await rawParallelScan(doc, runtime.env.TABLE_PROFILES as string);
    const full = await timedRun('all', 'bench-full');
    const fullRate = resegmentCustomers / full.seconds;
    const readsRate = await decisionReadsRate(doc, runtime.env);

    // The daily run over the whole population: profiles behind the synthetic decisions, of which
    // every dueEvery-th is due and re-evaluated (a new decision); the rest is up to date.
    await writeItems(
      doc,
      runtime.env.TABLE_PROFILES as string,
      population,
      (i) => syntheticProfile(i) as unknown as Record<string, unknown>,
    );
    await rawParallelScan(doc, runtime.env.TABLE_PROFILES as string);
    const profileScanRate = await rawParallelScan(doc, runtime.env.TABLE_PROFILES as string);
    const covered = population + resegmentCustomers;
    const expectedDue = Array.from({ length: population }, (_, i) => i).filter(isSyntheticDue).length;
    const daily = await timedRun('due', 'bench-daily');
    checkRun(daily.run, expectedDue);
    const dailyRate = covered / daily.seconds;
    // A heavier day: one customer in ten due.
    const stressDue = Array.from({ length: Math.ceil(population / everyNth(stressShare)) }, (_, k) =>
      syntheticPseudonym(k * everyNth(stressShare)),
    );
    await makeDue(doc, assignmentsTable, stressDue);
    const stress = await timedRun('due', 'bench-stress-day');
    checkRun(stress.run, stressDue.length);
    const stressRate = covered / stress.seconds;
    const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 2 : 1)} %`;

    return [
      {
        name: `simulation over ${population.toLocaleString('en')} stored customers vs raw parallel Scan`,
        baseline: { label: 'raw parallel Scan items/s', opsPerSec: scanRate },
        subject: { label: 'customers simulated/s', opsPerSec: population / simSeconds },
        ratio: population / simSeconds / scanRate,
        target: 0,
        notes: `simulation took ${simSeconds.toFixed(1)} s (${report.moved} would move); loading the population took ${loadSeconds.toFixed(0)} s`,
      },
      {
        name: `deciding ${activeCustomers.toLocaleString('en')} active customers: recheck at the first outcome change vs at the first input change`,
        baseline: {
          label: 'decisions/s, recheck at first input change',
          opsPerSec: byInputs.decisionsPerSec,
        },
        subject: {
          label: 'decisions/s, looking ahead for the first outcome change',
          opsPerSec: byOutcome.decisionsPerSec,
        },
        ratio: byOutcome.decisionsPerSec / byInputs.decisionsPerSec,
        target: 0,
        notes: `due the next day: ${percent(byOutcome.share)} (${byOutcome.due}) looking ahead, ${percent(byInputs.share)} (${byInputs.due}) at the first input change; ${Math.round(byInputs.transactions / activeCustomers)} transactions per customer in 90 days (worker CPU only, no I/O)`,
      },
      ...[
        {
          label: `${percent(1 / dueEvery)} (the active population's share)`,
          measured: daily,
          rate: dailyRate,
          target: 0.3,
          work: 'inputs read, new decisions written',
        },
        {
          label: percent(1 / everyNth(stressShare)),
          measured: stress,
          rate: stressRate,
          target: 0,
          work: 'inputs read, new decisions written',
        },
      ].map(({ label, measured, rate, target, work }) => ({
        name: `daily run over ${covered.toLocaleString('en')} customers, ${label} due, vs raw parallel Scan`,
        baseline: { label: 'raw parallel Scan of profiles items/s', opsPerSec: profileScanRate },
        subject: { label: 'customers covered/s', opsPerSec: rate },
        ratio: rate / profileScanRate,
        target,
        notes: `${measured.run.enqueued} due (${work}), ${measured.run.upToDate ?? 0} up to date (not queued); ${measured.seconds.toFixed(1)} s`,
      })),
      {
        name: 'run over everyone (each customer re-evaluated) vs raw parallel Scan',
        baseline: { label: 'raw parallel Scan of profiles items/s', opsPerSec: smallScanRate },
        subject: { label: 'customers re-segmented/s', opsPerSec: fullRate },
        ratio: fullRate / smallScanRate,
        target: 0,
        notes: `${resegmentCustomers} ingested customers, inputs unchanged (scan, enqueue, worker reads, no writes); ${full.seconds.toFixed(2)} s`,
      },
      {
        name: 'run over everyone vs the reads each re-evaluation needs, issued directly',
        baseline: {
          label: 'customers read/s (profile, decision, pin, transactions, responses)',
          opsPerSec: readsRate,
        },
        subject: { label: 'customers re-segmented/s', opsPerSec: fullRate },
        ratio: fullRate / readsRate,
        target: 0,
        notes: `the same ${resegmentCustomers} customers, 100 per batch on two workers as the local event source runs them, no queue or model: what DynamoDB Local serves at best`,
      },
    ];
  } finally {
    await stop();
  }
}

/**
 * Customers/s of the reads a re-evaluation cannot do without, issued the way the worker issues them
 * (strongly consistent, 100 customers per batch, two batches at a time) but with no queue, model or
 * write: the ceiling a run over everyone can reach against this DynamoDB Local.
 */
async function decisionReadsRate(doc: DynamoDBDocumentClient, env: Record<string, string | undefined>) {
  const table = (name: string) => env[`TABLE_${name}`] as string;
  const profiles = new DynamoProfileStore(doc, table('PROFILES'));
  const assignments = new DynamoAssignmentStore(doc, table('ASSIGNMENTS'), undefined);
  const overrides = new DynamoOverrideStore(doc, table('OVERRIDES'), undefined);
  const transactions = new DynamoTransactionStore(doc, table('TRANSACTIONS'));
  const feedback = new DynamoFeedbackStore(doc, table('FEEDBACK'));
  const pseudonyms: string[] = [];
  for await (const page of profiles.scanPseudonyms()) pseudonyms.push(...page);
  const since = new Date(Date.now() - 90 * 86_400_000).toISOString();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < pseudonyms.length) {
      const batch = pseudonyms.slice(next, next + 100);
      next += 100;
      await Promise.all([
        profiles.getMany(batch),
        assignments.getMany(batch),
        overrides.getMany(batch),
        ...batch.flatMap((p) => [transactions.listSince(p, since), feedback.listSince(p, since)]),
      ]);
    }
  };
  await Promise.all([worker(), worker()]);
  return pseudonyms.length / ((performance.now() - started) / 1000);
}

/**
 * How many decisions of an active population are due the next day, under both recheck policies.
 * Its own function so the population's transactions are garbage before DynamoDB Local is loaded.
 */
async function activeDueShares() {
  const decidedAt = new Date();
  const active = activePopulation(activeCustomers, decidedAt);
  await dueNextDay(active.slice(0, 200), decidedAt); // warm-up
  return { byInputs: await dueNextDay(active, decidedAt, 0), byOutcome: await dueNextDay(active, decidedAt) };
}

function checkRun(run: ResegmentationRun, expectedDue: number) {
  if (run.enqueued !== expectedDue || run.failed > 0)
    throw new Error(
      `run ${run.runId} queued ${run.enqueued} (failed ${run.failed}), expected ${expectedDue}`,
    );
}

/** Makes decisions due the way time would: their dueAt has passed. */
async function makeDue(doc: DynamoDBDocumentClient, table: string, pseudonyms: readonly string[]) {
  for (let i = 0; i < pseudonyms.length; i += 50) {
    await Promise.all(
      pseudonyms.slice(i, i + 50).map((pseudonym) =>
        doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { pseudonym },
            UpdateExpression: 'SET dueAt = :past',
            ExpressionAttributeValues: { ':past': '2026-11-02T00:00:00.000Z' },
          }),
        ),
      ),
    );
  }
}
