import { DynamoAssignmentStore } from '../../shared/adapters/dynamo-assignment-store.js';
import { DynamoRunStore } from '../../shared/adapters/dynamo-run-store.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { compileModel, loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { runFinished } from '../../shared/domain/segmentation/runs.js';
import { simulate } from '../../shared/domain/segmentation/simulate.js';
import {
  postCustomers,
  rawParallelScan,
  startBenchStack,
  waitForAssignments,
  writeItems,
} from './local-stack.js';
import type { BenchResult } from './measure.js';

// The figure. Loading 100,000 assignments into DynamoDB Local takes about 30 s on the 2-core
// machine; BENCH_POPULATION=20000 for a quicker run.
const population = Number(process.env.BENCH_POPULATION ?? 100_000);
const resegmentCustomers = Number(process.env.BENCH_RESEGMENT_CUSTOMERS ?? 2000);

/** A stored assignment with the inputs a simulation reads; deterministic per index. */
function syntheticAssignment(i: number): Assignment {
  const corporate = i % 7 === 0;
  return {
    pseudonym: `k1.${String(i).padStart(43, 'B')}`,
    segment: 'low',
    modelSegment: 'low',
    score: 0,
    firedRules: [],
    reasonCodes: [],
    missingVariables: [],
    modelId: 'aml-default',
    modelVersion: 1,
    policyRef: 'CDD-SIMPLIFIED',
    listsAsOf: { highRiskCountries: '2025-10-24' },
    inputDigest: `d${i}`,
    inputs: {
      profile: {
        customerType: corporate ? 'corporate' : 'individual',
        jurisdictions: [i % 29 === 0 ? 'IR' : 'DE'],
        attributes: {},
        flags: { pep: i % 97 === 0 },
      },
      transactions: {
        volume30d: (i % 50) * 1000,
        count30d: i % 40,
        volume90d: (i % 50) * 3000,
        count90d: i % 120,
        cashShare90d: (i % 10) / 10,
        cryptoShare90d: (i % 20) / 40,
        crossBorderShare90d: (i % 5) / 5,
        highRiskCountryCount90d: 0,
        nearThresholdCashCount30d: i % 4,
        maxAmount90d: (i % 50) * 500,
      },
      counterparties90d: i % 11 === 0 ? { LU: 2 } : {},
    },
    assignedAt: '2026-11-01T00:00:00.000Z',
    previousSegment: null,
    revision: 1,
  };
}

/**
 * Population-wide work against a raw parallel Scan of the same DynamoDB Local table:
 * a simulation over `population` stored customers, and a re-segmentation run end to end.
 */
export async function run(): Promise<BenchResult[]> {
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

    // Re-segmentation: customers ingested for real, then a run over everyone (inputs unchanged).
    await postCustomers(runtime, 'reseg', resegmentCustomers);
    await waitForAssignments(doc, assignmentsTable, population + resegmentCustomers);
    const profileScanRate = await rawParallelScan(doc, runtime.env.TABLE_PROFILES as string);
    const scheduler = (await import('../../functions/resegment-scheduler/handler.js')).handler;
    const runs = new DynamoRunStore(doc, runtime.env.TABLE_RUNS as string);
    const runStarted = performance.now();
    const { runId } = await scheduler({ source: 'bench' }, { awsRequestId: 'bench-run' } as never);
    for (;;) {
      const state = await runs.get(runId);
      if (state && runFinished(state)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const runRate = resegmentCustomers / ((performance.now() - runStarted) / 1000);

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
        name: 're-segmentation run vs raw parallel Scan',
        baseline: { label: 'raw parallel Scan of profiles items/s', opsPerSec: profileScanRate },
        subject: { label: 'customers re-segmented/s', opsPerSec: runRate },
        ratio: runRate / profileScanRate,
        target: 0.3,
        notes: `${resegmentCustomers} customers, inputs unchanged (scan, enqueue, worker reads, no writes)`,
      },
    ];
  } finally {
    await stop();
  }
}
