import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DynamoRunStore } from '../../../shared/adapters/dynamo-run-store.js';
import defaultModel from '../../../shared/data/risk-models/default.json' with { type: 'json' };
import { startResegmentation } from '../../../shared/domain/segmentation/runs.js';
import {
  germanCreditVariables,
  loadGermanCredit,
  PROTECTED_ATTRIBUTES,
} from '../../helpers/german-credit.js';
import { api, env, eventually, jobOf, lawfulBasis, localDynamo } from '../../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

const assignmentOf = async (pseudonym: string) =>
  (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item;

/** The default model plus one rule for Luxembourg residents, with its own reason code. */
const draft = () => ({
  ...structuredClone(defaultModel),
  metadata: {
    author: 'compliance@bank.example',
    changeNote: 'Review Luxembourg holding structures',
    createdAt: '',
  },
  rules: [
    ...structuredClone(defaultModel.rules),
    {
      id: 'luxembourg-review',
      when: "'LU' in jurisdictions",
      points: 30,
      reasonCode: 'LUXEMBOURG_REVIEW',
      description: 'Resident in Luxembourg: holding structures need a closer look.',
    },
  ],
});

describe('risk model lifecycle', () => {
  it('validates, simulates, publishes and re-segments, auditing every transition', async () => {
    // Prepare: a population with two Luxembourg residents and one German resident.
    const ingest = await api('ingest', 'POST', '/v1/customers', {
      records: ['LU', 'LU', 'DE'].map((country, i) => ({
        externalId: `M-${i}`,
        type: 'individual',
        jurisdictions: [country],
        lawfulBasis,
      })),
    });
    const pseudonyms: string[] = ingest.body.results.map((r: { pseudonym: string }) => r.pseudonym);
    await Promise.all(pseudonyms.map((p) => eventually(() => assignmentOf(p))));

    // Act + Assess: the seeded default is version 1, published.
    const listed = await api('analyst', 'GET', '/v1/risk-models');
    expect(listed.status).toBe(200);
    expect(listed.body.published).toEqual({ modelId: 'aml-default', version: 1 });

    // Only admins create drafts; invalid drafts say where they are wrong.
    expect((await api('analyst', 'POST', '/v1/risk-models', draft())).status).toBe(403);
    const broken = draft();
    (broken.rules[0] as { when: string }).when = 'sanctionsHit &&';
    const invalid = await api('admin', 'POST', '/v1/risk-models', broken);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0]).toMatchObject({ path: 'rules[0].when', code: 'syntax_error' });

    const created = await api('admin', 'POST', '/v1/risk-models', draft());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      modelId: 'aml-default',
      version: 2,
      status: 'draft',
      createdBy: 'local-admin',
    });

    // Simulation: who would move, and why, without writing anything.
    const { started, job } = await jobOf('analyst', '/v1/risk-models/simulate', {
      modelId: 'aml-default',
      version: 2,
    });
    expect(started.status).toBe(202);
    expect(job).toMatchObject({ kind: 'simulation', status: 'succeeded' });
    expect(job.shardsReported).toBe(job.shards);
    const simulated = { body: job.result };
    expect(simulated.body).toMatchObject({
      candidate: { modelId: 'aml-default', version: 2 },
      population: 3,
      evaluated: 3,
      evaluatedOnAgedInputs: 0,
      moved: 2,
      upgraded: 2,
    });
    expect(simulated.body.transitions).toEqual({ low: { medium: 2 } });
    expect(simulated.body.drivers).toEqual([
      { reasonCode: 'LUXEMBOURG_REVIEW', customers: 2, direction: 'up' },
    ]);
    expect((await assignmentOf(pseudonyms[0] as string))?.modelVersion).toBe(1);

    // Scenario: what if Luxembourg joined the high-risk list under the current model?
    const scenario = {
      body: (
        await jobOf('analyst', '/v1/risk-models/simulate', {
          scenario: [{ kind: 'addToList', list: 'highRiskCountries', values: ['LU'] }],
        })
      ).job.result,
    };
    expect(scenario.body.drivers[0]).toEqual({
      reasonCode: 'HIGH_RISK_JURISDICTION',
      customers: 2,
      direction: 'up',
    });

    // Publication: exactly one published version; everyone re-segmented under it.
    const published = await api('admin', 'POST', '/v1/risk-models/aml-default/versions/2/publish', {});
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      published: { modelId: 'aml-default', version: 2 },
      retired: { modelId: 'aml-default', version: 1 },
      resegmentation: { runId: 'run-publish-aml-default-2', shards: expect.any(Number) },
    });
    const moved = await eventually(async () => {
      const a = await assignmentOf(pseudonyms[0] as string);
      return a?.modelVersion === 2 ? a : undefined;
    });
    expect(moved).toMatchObject({ segment: 'medium', previousSegment: 'low' });
    expect(moved.reasonCodes).toContain('LUXEMBOURG_REVIEW');
    // The shards report their counts: the run ends with the 3 customers enqueued and done.
    const run = await eventually(async () => {
      const got = await api('admin', 'GET', '/v1/resegmentation-runs/run-publish-aml-default-2');
      return got.body.finished ? got.body : undefined;
    });
    expect(run).toMatchObject({ enqueued: 3, done: 3, failed: 0, status: 'enqueued' });
    expect(run.shardsReported).toBe(run.shards);
    expect((await api('admin', 'POST', '/v1/risk-models/aml-default/versions/2/publish', {})).status).toBe(
      409,
    );
    const diff = await api('analyst', 'GET', '/v1/risk-models/aml-default/versions/2/diff/1');
    expect(diff.status).toBe(200);
    expect(diff.body.rules.added.map((r: { id: string }) => r.id)).toEqual(['luxembourg-review']);
    const rendered = await fetch(
      `${inject('runtime').apiUrl}/v1/risk-models/aml-default/versions/2/document`,
      {
        headers: { authorization: `Bearer ${inject('runtime').credentials.compliance}` },
      },
    );
    expect(rendered.headers.get('content-type')).toContain('text/markdown');
    const markdown = await rendered.text();
    expect(markdown).toContain('LUXEMBOURG_REVIEW');
    expect(markdown).toContain('Changes since version 1');
    const v1 = await api('analyst', 'GET', '/v1/risk-models/aml-default/versions/1');
    expect(v1.body).toMatchObject({ status: 'retired', retiredBy: 'local-admin' });

    // Every transition is audited with its author.
    const audit = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_AUDIT,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExpressionAttributeValues: { ':s': 'system' },
      }),
    );
    const transitions = (audit.Items ?? [])
      .filter((e) => String(e.action).startsWith('model.'))
      .map((e) => `${e.action} ${e.modelVersion} by ${e.actor.id}`)
      .sort();
    expect(transitions).toEqual([
      'model.created aml-default@1 by system:seed',
      'model.created aml-default@2 by local-admin',
      'model.published aml-default@1 by system:seed',
      'model.published aml-default@2 by local-admin',
    ]);
  });
});

// Runs after the lifecycle test: its three customers were all decided by the publication run.
describe('runs over due decisions', () => {
  it('queues only customers whose decision could change, counts the others, and refuses a bad scope', async () => {
    // Prepare: one decision made due, as if a transaction leaving a window would now change its outcome.
    const decided = (await doc.send(new ScanCommand({ TableName: env().TABLE_ASSIGNMENTS }))).Items ?? [];
    expect(decided.map((a) => a.modelVersion)).toEqual([2, 2, 2]);
    const due = decided[0] as { pseudonym: string; revision: number };
    const past = '2026-01-01T00:00:00.000Z';
    await doc.send(
      new UpdateCommand({
        TableName: env().TABLE_ASSIGNMENTS,
        Key: { pseudonym: due.pseudonym },
        UpdateExpression: 'SET dueAt = :past',
        ExpressionAttributeValues: { ':past': past },
      }),
    );

    // Act
    const started = await api('admin', 'POST', '/v1/resegmentation-runs', { scope: 'due' });
    const run = await eventually(async () => {
      const got = await api('admin', 'GET', `/v1/resegmentation-runs/${started.body.runId}`);
      return got.body.finished ? got.body : undefined;
    });
    const bad = await api('admin', 'POST', '/v1/resegmentation-runs', { scope: 'sometimes' });

    // Assess: one queued and re-evaluated (same inputs: no new decision, its dueAt restored).
    expect(started.status).toBe(202);
    expect(started.body.filter).toEqual({ scope: 'due' });
    expect(run).toMatchObject({ enqueued: 1, upToDate: 2, done: 1, failed: 0 });
    const after = await assignmentOf(due.pseudonym);
    expect(after?.revision).toBe(due.revision);
    expect(after?.dueAt).not.toBe(past);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'scope' });
    // The run is a job: read under /v1/jobs with who started it, its counts as its result.
    const job = await api('analyst', 'GET', `/v1/jobs/${started.body.runId}`);
    expect(job.body).toMatchObject({
      jobId: started.body.runId,
      kind: 'resegmentation',
      status: 'succeeded',
      startedBy: { principalId: expect.any(String), role: 'admin' },
      input: { cause: 'manual', filter: { scope: 'due' } },
      result: { enqueued: 1, done: 1, failed: 0, upToDate: 2 },
    });
    expect((await api('admin', 'POST', `/v1/jobs/${started.body.runId}/cancel`, {})).status).toBe(409);
  });

  it('lists a run while it has work left, and cancels it once, audited', async () => {
    // Prepare: a run recorded with its shards never delivered, so it is still waiting when cancelled.
    const runId = `run-held-${Date.now()}`;
    await startResegmentation(
      {
        runs: new DynamoRunStore(doc, env().TABLE_RUNS as string),
        shards: { enqueue: async () => undefined },
        audit: { append: async () => undefined },
      },
      { runId, cause: 'manual', shards: 4, now: new Date() },
    );

    // Act
    const listed = await api('analyst', 'GET', '/v1/jobs?limit=100');
    const cancelled = await api('admin', 'POST', `/v1/jobs/${runId}/cancel`, {});
    const again = await api('admin', 'POST', `/v1/jobs/${runId}/cancel`, {});
    const after = await api('analyst', 'GET', '/v1/jobs?limit=100');
    const missing = await api('analyst', 'GET', '/v1/jobs/run-never-started');

    // Assess
    expect(listed.body.jobs.find((j: { jobId: string }) => j.jobId === runId)).toMatchObject({
      kind: 'resegmentation',
      status: 'queued',
      progress: { phase: 'scanning', done: 0, total: 4 },
    });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    expect(again.status).toBe(409);
    expect(after.body.jobs.map((j: { jobId: string }) => j.jobId)).not.toContain(runId);
    expect(missing.status).toBe(404);
    const audit = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_AUDIT,
        KeyConditionExpression: '#stream = :s AND begins_with(eventId, :e)',
        ExpressionAttributeNames: { '#stream': 'stream' },
        ExpressionAttributeValues: { ':s': 'system', ':e': `job.cancel-requested#${runId}` },
      }),
    );
    expect(audit.Items).toHaveLength(1);
    expect(audit.Items?.[0]).toMatchObject({ actor: { type: 'principal', role: 'admin' } });
  });
});

/** Waits until a re-segmentation run (a publication's, say) has decided every customer it queued. */
async function runFinished(runId: string) {
  return eventually(async () => {
    const run = await api('admin', 'GET', `/v1/resegmentation-runs/${runId}`);
    return run.body.finished ? run.body : undefined;
  }, 120_000);
}

/** Creates and publishes the next version of the published risk model, changed by `change`. */
async function publishRiskModel(change: (document: typeof defaultModel) => typeof defaultModel) {
  const listed = await api('analyst', 'GET', '/v1/risk-models');
  const { modelId, version } = listed.body.published;
  const current = await api('analyst', 'GET', `/v1/risk-models/${modelId}/versions/${version}`);
  const created = await api(
    'admin',
    'POST',
    '/v1/risk-models',
    change(structuredClone(current.body.document)),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.version as number;
}

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/xgboost/german-credit/${name}`, import.meta.url), 'utf8'));

// Runs after the lifecycle test in this file: it grows the population the simulation above counts.
describe('predictive scoring on real data (German Credit, 1,000 labelled applicants)', () => {
  it('declares the variables, trains trees and logistic on audit outcomes without protected attributes, imports an XGBoost model, and explains scores', async () => {
    // Prepare: the applicants, and a risk model declaring their attributes (coded ones categorical).
    const { customers, outcomes } = loadGermanCredit();
    for (let i = 0; i < customers.length; i += 100) {
      const res = await api('ingest', 'POST', '/v1/customers', { records: customers.slice(i, i + 100) });
      expect(res.body.summary.accepted).toBe(Math.min(100, customers.length - i));
    }
    await eventually(async () => {
      const counts = await api('analyst', 'GET', '/v1/segments');
      return counts.body.total >= customers.length + 3 ? true : undefined;
    }, 90_000);
    const declared = await publishRiskModel((document) => ({
      ...document,
      metadata: { ...document.metadata, changeNote: 'Declare the credit application attributes' },
      variables: [...document.variables, ...(germanCreditVariables() as typeof document.variables)],
    }));
    const declaring = await api(
      'admin',
      'POST',
      `/v1/risk-models/aml-default/versions/${declared}/publish`,
      {},
    );
    expect(declaring.status).toBe(200);
    await runFinished(declaring.body.resegmentation.runId);

    // Act
    const recorded = await api('compliance', 'POST', '/v1/audit-outcomes', { outcomes });
    const resent = await api('compliance', 'POST', '/v1/audit-outcomes', { outcomes: outcomes.slice(0, 5) });
    const invalid = await api('admin', 'POST', '/v1/scoring-models', {
      exclude: ['nothing'],
      validationFraction: 0.5,
      l2: -1,
    });
    const bothPublished = await api('admin', 'POST', '/v1/scoring-models', { kind: 'both', publish: true });
    const { started, job: trained } = await jobOf('admin', '/v1/scoring-models', {
      kind: 'both',
      validationFraction: 0.3,
      seed: 1,
      trees: {
        rounds: 200,
        maxDepth: 3,
        monotone: [{ variable: 'durationMonths', direction: 'increasing' }],
      },
    });
    const listed = await api('analyst', 'GET', '/v1/scoring-models');
    const { started: clusterStart, job: clusterJob } = await jobOf('analyst', '/v1/reports/clusters', {});
    const clusters = { status: clusterJob.status, body: clusterJob.result };

    // Assess: both kinds trained on one split, compared side by side, neither in use yet.
    expect(recorded.body.summary).toMatchObject({ accepted: 1000, rejected: 0 });
    expect(resent.body.summary).toMatchObject({ duplicates: 5 });
    expect(invalid.status).toBe(400);
    expect(bothPublished.status).toBe(400);
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/v1/jobs/${started.body.jobId}`);
    expect(started.body).toMatchObject({ kind: 'training', status: 'queued', startedBy: { role: 'admin' } });
    expect(trained.status, JSON.stringify(trained.error)).toBe('succeeded');
    // Tests redeliver a message after 2 s: a second attempt may have reported before it stopped.
    expect(['reading outcomes', 'reading decisions', 'training', 'storing']).toContain(
      trained.progress.phase,
    );
    expect(trained.result.models.map((m: { kind: string }) => m.kind)).toEqual(['logistic', 'trees']);
    // Floor justified in docs/examples/german-credit.md: published models reach 0.75-0.80.
    for (const m of trained.result.models) {
      expect(m.validation.auc).toBeGreaterThan(0.7);
      expect(m.validation.aucInterval.lower).toBeLessThan(m.validation.auc);
      expect(m.crossValidation).toMatchObject({
        folds: 5,
        auc: expect.any(Number),
        brier: expect.any(Number),
      });
      expect(m.crossValidation.aucInterval.upper).toBeGreaterThan(m.crossValidation.auc);
      expect(m.training.auc).toBeGreaterThanOrEqual(m.validation.auc - 0.05);
      expect(m.validation.captureRates.top20).toBeGreaterThan(0.3);
      expect(m.status).toBe('draft');
    }
    expect(trained.result.excluded).toEqual(expect.arrayContaining([...PROTECTED_ATTRIBUTES]));
    expect(trained.result.undeclared).toEqual([]);
    expect(listed.body.published).toBeNull();
    expect(listed.body.versions.map((v: { kind: string }) => v.kind)).toEqual(['logistic', 'trees']);
    expect(listed.body.versions[0].features).toBeGreaterThan(10);
    const documented = await api('compliance', 'GET', '/v1/scoring-models/2/document');
    expect(documented.status).toBe(200);
    expect(documented.body).toContain('gradient-boosted trees');
    expect(documented.body).toContain('| Variable | Source | Encoding |');
    for (const p of PROTECTED_ATTRIBUTES) expect(documented.body).not.toContain(`| \`${p}\` |`);
    // Protected attributes appear only as groups compared, never as features.
    expect(documented.body).toContain('### `personalStatusSex`');
    expect(documented.body).toContain('Disparate-impact ratio');
    expect(documented.body).toContain('-fold cross-validation');
    expect(clusterStart.status).toBe(202);
    expect(clusters.status).toBe('succeeded');
    expect(clusters.body.k).toBeGreaterThanOrEqual(2);
    expect(clusters.body.clusters.reduce((n: number, c: { size: number }) => n + c.size, 0)).toBe(
      clusters.body.customers,
    );

    // Publication re-scores everyone, with no run started by hand.
    expect((await api('analyst', 'POST', '/v1/scoring-models/1/publish', {})).status).toBe(403);
    const first = await api('admin', 'POST', '/v1/scoring-models/1/publish', {});
    expect(first.body).toMatchObject({
      version: 1,
      previous: null,
      rescoring: { runId: expect.any(String) },
    });
    const firstDocument = (await api('analyst', 'GET', '/v1/scoring-models/1/document')).body as string;
    expect(first.body.documentSha256).toBe(createHash('sha256').update(firstDocument, 'utf8').digest('hex'));
    expect((await api('admin', 'POST', '/v1/scoring-models/1/publish', {})).status).toBe(409);
    await runFinished(first.body.rescoring.runId);
    const pseudonym = recorded.body.results[0].pseudonym as string;
    const scored = await assignmentOf(pseudonym);
    expect(scored?.prediction.model).toBe('predictive@1');
    expect(scored?.prediction.topContributions.length).toBe(5);
    for (const c of scored?.prediction.topContributions ?? []) {
      expect(PROTECTED_ATTRIBUTES.some((p) => c.feature.includes(p))).toBe(false);
      expect(c).toHaveProperty('value');
    }

    // The exact explanation: each variable's value and contribution, and the baseline, adding up.
    const view = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
    const explained = view.body.predictionExplanation;
    expect(explained).toMatchObject({ model: 'predictive@1', method: 'coefficients' });
    const sum = explained.contributions.reduce(
      (s: number, c: { contribution: number }) => s + c.contribution,
      explained.baseline.logOdds,
    );
    expect(Math.abs(sum - explained.logOdds)).toBeLessThan(1e-9);
    expect(explained.contributions.find((c: { feature: string }) => c.feature === 'purpose').value).toBe(
      customers[0]?.attributes?.purpose,
    );

    // A model trained elsewhere: the layout to train on, the import, and the library's own figures.
    const layout = await api('analyst', 'GET', '/v1/scoring-models/feature-layout');
    expect(layout.body.columns).toContain('attributes.purpose=car_new');
    const expected = fixture('expected.json');
    const importing = { format: 'xgboost-json', model: fixture('model.json'), variables: expected.variables };
    expect((await api('analyst', 'POST', '/v1/scoring-models/import', importing)).status).toBe(403);
    const wrongLayout = await api('admin', 'POST', '/v1/scoring-models/import', {
      ...importing,
      variables: [...expected.variables].reverse(),
    });
    expect(wrongLayout.status).toBe(422);
    expect(wrongLayout.body.error.code).toBe('FEATURE_MISMATCH');
    const stale = await api('admin', 'POST', '/v1/scoring-models/import', {
      ...importing,
      riskModel: 'aml-default@1',
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('LAYOUT_CHANGED');
    const imported = await api('admin', 'POST', '/v1/scoring-models/import', {
      ...importing,
      riskModel: layout.body.riskModel,
      publish: true,
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body).toMatchObject({
      version: 3,
      kind: 'trees',
      status: 'published',
      trees: 80,
      duplicate: false,
    });
    // Sent again (a retry after a lost answer): the same version, nothing stored or run twice.
    const again = await api('admin', 'POST', '/v1/scoring-models/import', {
      ...importing,
      riskModel: layout.body.riskModel,
      publish: true,
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 3, duplicate: true, rescoring: null });
    await runFinished(imported.body.rescoring.runId);
    const byImport = (await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`)).body;
    expect(byImport.prediction.model).toBe('predictive@3');
    expect(byImport.predictionExplanation.method).toBe('tree-shap');
    // Customer GC-1 is the first row of the library's figures.
    expect(Math.abs(byImport.predictionExplanation.probability - expected.probability[0])).toBeLessThan(1e-6);

    // The timeline says what was in use when.
    const timeline = (await api('analyst', 'GET', '/v1/insights/model-timeline')).body.scoring;
    expect(timeline.map((v: { status: string }) => v.status)).toEqual(['retired', 'draft', 'published']);
    expect(timeline[0].publishedAt).toEqual(expect.any(String));
    expect(timeline[0].retiredAt).toEqual(expect.any(String));
    expect(timeline[2].kind).toBe('trees');

    // A risk model reading the score: the simulation sees the score in use, as publication will.
    const withScore = await publishRiskModel((document) => ({
      ...document,
      metadata: { ...document.metadata, changeNote: 'Raise customers the predictive model flags' },
      variables: [
        ...document.variables,
        {
          name: 'predictedScore',
          type: 'number',
          description: 'The predictive score in use (0-100).',
          source: { kind: 'score', path: 'predicted.score' },
          missing: { policy: 'skip-rules' },
        },
      ],
      rules: [
        ...document.rules,
        {
          id: 'predicted-risk',
          when: 'predictedScore >= 50',
          points: 60,
          reasonCode: 'PREDICTED_RISK',
          description: 'The predictive model puts the risk of an audit issue at 50 % or more.',
        },
      ],
    }));
    const { job: simulation } = await jobOf('analyst', '/v1/risk-models/simulate', {
      modelId: 'aml-default',
      version: withScore,
    });
    expect(simulation.status).toBe('succeeded');
    expect(simulation.result.moved).toBeGreaterThan(0);
    const publication = await api(
      'admin',
      'POST',
      `/v1/risk-models/aml-default/versions/${withScore}/publish`,
      {},
    );
    await runFinished(publication.body.resegmentation.runId);
    const counts = (await api('analyst', 'GET', '/v1/segments')).body.segments;
    for (const s of counts as { name: string; count: number }[])
      expect(s.count, s.name).toBe(simulation.result.segmentsAfter[s.name] ?? 0);
  }, 300_000);
});
