/**
 * Predictive models: what boosted trees buy over logistic regression, and what they cost per
 * customer in the segment worker.
 *
 * Accuracy, both kinds trained as the product trains them (`trainKinds` in scoring/service.ts:
 * features from the declared variables, learnt on the training part only; trees stop early on a
 * fifth of the training part, never on the rows they are judged on; product defaults):
 * - German Credit (1,000 applicants, protected variables left out): stratified 5-fold
 *   cross-validation, AUC of the pooled out-of-fold predictions with DeLong 95 % intervals, Brier.
 * - The synthetic population (20,000 rows, interactions, thresholds, informative missingness):
 *   a 70/30 stratified split, the same figures, and the AUC of the true log-odds as the ceiling.
 *
 * Inference cost: `explainPrediction` (vectorise, prediction, explanation: what the worker runs per
 * customer for the prediction it stores) for the logistic model against the tree models, timed in
 * interleaved rounds, and the worker throughput that cost leaves, modelled from the end-to-end
 * suite's measured Node CPU per customer.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelVariable } from '../../shared/domain/risk-model/model.js';
import { trainBoostedTrees } from '../../shared/domain/scoring/boosting.js';
import { explainPrediction, type PredictiveModel } from '../../shared/domain/scoring/explain.js';
import {
  declaredFeatureSpecs,
  type FeatureSource,
  type FeatureSpec,
  featureNames,
  type MissingEncoding,
  vectorise,
} from '../../shared/domain/scoring/features.js';
import { type Example, fitKind, probabilities } from '../../shared/domain/scoring/fit.js';
import {
  type AucInterval,
  aucWithInterval,
  brierScore,
  stratifiedFolds,
  trainValidationSplit,
} from '../../shared/domain/scoring/metrics.js';
import { parseTrainingRequest } from '../../shared/domain/scoring/service.js';
import { syntheticLogOdds, syntheticPopulation } from '../../shared/domain/scoring/synthetic.js';
import type { TrainingRow } from '../../shared/domain/scoring/training-data.js';
import type { TreeEnsemble } from '../../shared/domain/scoring/tree-model.js';
import {
  germanCreditVariables,
  loadGermanCredit,
  PROTECTED_ATTRIBUTES,
  toFeatureSource,
} from '../helpers/german-credit.js';
import { type BenchResult, compareRounds, interleaved, median, type Rounds } from './measure.js';
import type { BenchReport } from './report.js';

const SEED = 20_261_207;
const FOLDS = 5;
const SYNTHETIC_ROWS = 20_000;
/** The product's defaults (scoring/service.ts), spelt out so the figures say what they measured. */
const TREES = { rounds: 300, maxDepth: 4, learningRate: 0.1, earlyStoppingRounds: 20 } as const;
/** Below this many trees kept, the synthetic model is joined by a full 300-tree one for the cost. */
const FULL_ENSEMBLE_BELOW = 200;
/** Node CPU per customer end to end as the issue quotes it: used only when docs/benchmarks.json has no figure. */
const FALLBACK_WORKER_MS = 4.7;

interface Scored {
  logistic: number[];
  trees: number[];
  labels: (0 | 1)[];
}

const rowsOf = (specs: readonly FeatureSpec[], set: readonly Example[], missing: MissingEncoding) =>
  set.map((e): TrainingRow => ({ features: vectorise(specs, e.source, missing), label: e.label }));

/** Both kinds fitted on `training` as the training job fits them, features learnt from `training` alone. */
function trainBoth(
  variables: readonly ModelVariable[],
  training: readonly Example[],
  seed: number,
): { specs: FeatureSpec[]; logistic: PredictiveModel; trees: TreeEnsemble; treeCount: number } {
  const { specs } = declaredFeatureSpecs(
    variables,
    training.map((e) => e.source),
  );
  // The product's defaults, as a request without options gets them.
  const request = parseTrainingRequest({ seed, trees: TREES });
  const meta = { version: 1, trainedAt: '' };
  const logistic = fitKind('logistic', request, specs, training, meta);
  const trees = fitKind('trees', request, specs, training, meta);
  if (trees.kind !== 'trees') throw new Error('expected a tree ensemble');
  return { specs, logistic, trees, treeCount: trees.trees.length };
}

function probabilitiesOf(
  models: { specs: FeatureSpec[]; logistic: PredictiveModel; trees: TreeEnsemble },
  set: readonly Example[],
): { logistic: number[]; trees: number[] } {
  return {
    logistic: probabilities(models.logistic, models.specs, set),
    trees: probabilities(models.trees, models.specs, set),
  };
}

const auc3 = (a: AucInterval) => `${a.auc.toFixed(3)} (95 % CI ${a.lower.toFixed(3)}-${a.upper.toFixed(3)})`;

/** The accuracy rows of one data set: AUC with intervals, Brier; the caller adds its own. */
function accuracyRows(
  what: string,
  scored: Scored,
  notes: string,
): { results: BenchResult[]; logistic: AucInterval; trees: AucInterval } {
  const logistic = aucWithInterval(scored.logistic, scored.labels, 0.95);
  const trees = aucWithInterval(scored.trees, scored.labels, 0.95);
  const brierLogistic = brierScore(scored.logistic, scored.labels);
  const brierTrees = brierScore(scored.trees, scored.labels);
  const results: BenchResult[] = [
    {
      name: `${what}: AUC, boosted trees vs logistic regression`,
      baseline: { label: 'logistic', opsPerSec: logistic.auc, unit: 'AUC' },
      subject: { label: 'trees', opsPerSec: trees.auc, unit: 'AUC' },
      ratio: trees.auc / logistic.auc,
      target: 0,
      notes: `logistic ${auc3(logistic)}, trees ${auc3(trees)} (DeLong); ${notes}`,
    },
    {
      name: `${what}: Brier score (lower is better), trees vs logistic`,
      baseline: { label: 'logistic', opsPerSec: brierLogistic, unit: 'Brier' },
      subject: { label: 'trees', opsPerSec: brierTrees, unit: 'Brier' },
      ratio: brierTrees / brierLogistic,
      target: 0,
      notes: `logistic ${brierLogistic.toFixed(4)}, trees ${brierTrees.toFixed(4)}; base rate ${(
        scored.labels.reduce<number>((s, l) => s + l, 0) / scored.labels.length
      ).toFixed(3)}`,
    },
  ];
  return { results, logistic, trees };
}

/** German Credit: stratified k-fold cross-validation, predictions pooled over the folds. */
function germanCredit(): BenchResult[] {
  const data = loadGermanCredit();
  const examples: Example[] = data.customers.map((record, i) => ({
    source: toFeatureSource(record),
    label: data.outcomes[i]?.outcome === 'issue' ? 1 : 0,
  }));
  const variables = germanCreditVariables();
  const fold = stratifiedFolds(
    examples.map((e) => e.label),
    FOLDS,
    SEED,
  );
  const declaredProtected = variables.filter((v) => v.protected === true).map((v) => v.name);
  const undeclared = PROTECTED_ATTRIBUTES.filter((name) => !variables.some((v) => v.name === name));
  const scored: Scored = { logistic: [], trees: [], labels: [] };
  const treeCounts: number[] = [];
  let columns = 0;
  let specCount = 0;
  for (let k = 0; k < FOLDS; k++) {
    const training = examples.filter((_, i) => fold[i] !== k);
    const held = examples.filter((_, i) => fold[i] === k);
    const models = trainBoth(variables, training, SEED);
    if (models.specs.some((spec) => declaredProtected.includes(spec.variable ?? '')))
      throw new Error('models bench: a protected variable reached the features');
    treeCounts.push(models.treeCount);
    columns = featureNames(models.specs).length;
    specCount = models.specs.length;
    const p = probabilitiesOf(models, held);
    scored.logistic.push(...p.logistic);
    scored.trees.push(...p.trees);
    scored.labels.push(...held.map((e) => e.label));
  }
  const { results } = accuracyRows(
    `German Credit (1,000 applicants), ${FOLDS}-fold CV`,
    scored,
    `stratified ${FOLDS}-fold cross-validation (seed ${SEED}), AUC of the pooled out-of-fold predictions; ${specCount} declared variables (${columns} columns), protected ones left out (${declaredProtected.join(', ')} declared protected; ${undeclared.join(', ')} not declared); trees: ${TREES.rounds} rounds, depth ${TREES.maxDepth}, learning rate ${TREES.learningRate}, early stopping ${TREES.earlyStoppingRounds} on a fifth of each training part, kept ${treeCounts.join(', ')} trees. No target: on 1,000 rows of mostly additive effects logistic regression is known to be competitive`,
  );
  return results;
}

/** A synthetic row as the worker would see a customer: NaN (missing) is an absent attribute. */
function syntheticSource(names: readonly string[], features: readonly number[]): FeatureSource {
  const attributes: Record<string, number> = {};
  names.forEach((name, j) => {
    const v = features[j] as number;
    if (!Number.isNaN(v)) attributes[name] = v;
  });
  return { profile: { customerType: 'individual', jurisdictions: [], attributes, flags: {} } };
}

function syntheticVariables(names: readonly string[]): ModelVariable[] {
  return names.map((name) => ({
    name,
    type: 'number',
    description: `synthetic ${name}`,
    source: { kind: 'profile', path: `attributes.${name}` },
    missing: { policy: 'skip-rules' },
    scale: { kind: 'numeric' },
  }));
}

interface SyntheticOutcome {
  results: BenchResult[];
  specs: FeatureSpec[];
  logistic: PredictiveModel;
  trees: TreeEnsemble;
  treeCount: number;
  training: Example[];
  held: Example[];
}

/** The synthetic population: a 70/30 stratified split; the true log-odds as the ceiling. */
function synthetic(): SyntheticOutcome {
  const population = syntheticPopulation(SYNTHETIC_ROWS, SEED);
  const names = population.featureNames;
  const examples = population.rows.map((row) => ({
    source: syntheticSource(names, row.features),
    label: row.label,
    truth: syntheticLogOdds(row.features),
  }));
  const { training, validation: held } = trainValidationSplit(examples, 0.3, SEED);
  const models = trainBoth(syntheticVariables(names), training, SEED);
  const p = probabilitiesOf(models, held);
  const labels = held.map((e) => e.label);
  const ceiling = aucWithInterval(
    held.map((e) => e.truth),
    labels,
    0.95,
  );
  const what = `Synthetic population (${SYNTHETIC_ROWS.toLocaleString('en')}; 70/30 split)`;
  const acc = accuracyRows(
    what,
    { ...p, labels },
    `${held.length.toLocaleString('en')} held-out rows (seed ${SEED}); ${names.length} numeric columns (missing = absent); trees kept ${models.treeCount} of ${TREES.rounds} rounds (early stopping ${TREES.earlyStoppingRounds} on a fifth of the training part); true log-odds (the ceiling) ${auc3(ceiling)}`,
  );
  const wins = acc.trees.lower > acc.logistic.upper;
  const results: BenchResult[] = [
    ...acc.results,
    {
      name: `${what}: trees win outside the 95 % interval (trees' lower bound / logistic's upper bound)`,
      baseline: { label: 'logistic, upper 95 % bound', opsPerSec: acc.logistic.upper, unit: 'AUC' },
      subject: { label: 'trees, lower 95 % bound', opsPerSec: acc.trees.lower, unit: 'AUC' },
      ratio: acc.trees.lower / acc.logistic.upper,
      target: 1,
      notes: `met when the trees' DeLong 95 % interval lies wholly above the logistic model's: ${wins ? 'it does' : 'it does not'} (trees ${auc3(acc.trees)}, logistic ${auc3(acc.logistic)})`,
    },
    {
      name: `${what}: trees AUC against the true log-odds (the ceiling)`,
      baseline: { label: 'true log-odds', opsPerSec: ceiling.auc, unit: 'AUC' },
      subject: { label: 'trees', opsPerSec: acc.trees.auc, unit: 'AUC' },
      ratio: acc.trees.auc / ceiling.auc,
      target: 0,
      notes: `ceiling ${auc3(ceiling)}; logistic reaches ${((acc.logistic.auc / ceiling.auc) * 100).toFixed(1)} % of it, trees ${((acc.trees.auc / ceiling.auc) * 100).toFixed(1)} %`,
    },
  ];
  return { results, ...models, training, held };
}

/** Customers per timed call: the worker explains one customer at a time, this many in a row. */
const BATCH = 100;

interface CostJob {
  logistic: PredictiveModel;
  trees: PredictiveModel;
  specs: FeatureSpec[];
  customers: FeatureSource[];
}

/** µs per customer of `explainPrediction`, logistic vs trees, interleaved. */
async function explainCost({ logistic, trees, specs, customers }: CostJob): Promise<Rounds> {
  let sink = 0;
  const runner = (model: PredictiveModel) => {
    let at = 0;
    return () => {
      for (let i = 0; i < BATCH; i++) {
        sink += explainPrediction(model, specs, customers[at] as FeatureSource).logOdds;
        at = at + 1 === customers.length ? 0 : at + 1;
      }
    };
  };
  const r = await interleaved(
    { label: 'logistic explainPrediction', fn: runner(logistic), opsPerCall: BATCH },
    { label: 'trees explainPrediction', fn: runner(trees), opsPerCall: BATCH },
  );
  if (sink === Number.NEGATIVE_INFINITY) console.log(sink); // keep the results observable
  return r;
}

const CHILD_ENV = 'RISKLOOP_MODELS_BENCH_CHILD';
const thisFile = fileURLToPath(import.meta.url);

/**
 * `explainCost` in a fresh Node process. A worker holds one published model, so one TreeSHAP
 * explainer, whose closures V8 specialises to its arrays; a second ensemble explained in the same
 * process makes them generic (measured here: a 300-tree model explained after a 136-tree one took
 * about twice as long as alone). Each tree model is therefore timed in a process of its own, with
 * the models read back from JSON as the worker reads them from the store.
 */
function explainCostApart(job: CostJob): Promise<Rounds> {
  return new Promise((resolve, reject) => {
    const child = fork(thisFile, [], { env: { ...process.env, [CHILD_ENV]: '1' }, stdio: 'inherit' });
    let answer: Rounds | undefined;
    child.once('message', (message) => {
      answer = message as Rounds;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (answer !== undefined && code === 0) resolve(answer);
      else reject(new Error(`models bench: the inference process exited with ${code} and no result`));
    });
    child.send(JSON.stringify(job));
  });
}

if (process.env[CHILD_ENV] === '1' && process.argv[1] === thisFile && process.send !== undefined) {
  const send = process.send.bind(process);
  process.once('message', (message) => {
    explainCost(JSON.parse(message as string) as CostJob).then(
      (rounds) => send(rounds, () => process.exit(0)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

const us = (opsPerSec: number) => 1e6 / opsPerSec;

/** A cost row: µs per customer, ratio = trees' cost / logistic's (the median of the rounds' ratios). */
function costRow(name: string, r: Rounds, notes: string): BenchResult {
  const ratios = r.ratios.map((x) => 1 / x);
  const cost: Rounds = {
    baseline: { label: 'logistic', opsPerSec: us(r.baseline.opsPerSec), unit: 'µs per customer' },
    subject: { label: 'trees', opsPerSec: us(r.subject.opsPerSec), unit: 'µs per customer' },
    ratios,
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
  };
  return compareRounds(name, cost, 0, notes);
}

/** The end-to-end suite's Node CPU per customer, from docs/benchmarks.json; the old figure otherwise. */
function workerMsPerCustomer(): { ms: number; from: string } {
  const file = fileURLToPath(new URL('../../docs/benchmarks.json', import.meta.url));
  if (existsSync(file)) {
    const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    const entry = report.results.find(
      (e) =>
        e.suite === 'end-to-end' && e.name.startsWith('Node CPU per customer') && e.subject.unit === 'ms',
    );
    if (entry && entry.subject.value > 0) {
      const at = report.suites['end-to-end']?.measuredAt.slice(0, 16).replace('T', ' ');
      return {
        ms: entry.subject.value,
        from: `the end-to-end suite's Node CPU per customer (docs/benchmarks.json, run of ${at ?? 'unknown date'} UTC)`,
      };
    }
  }
  return {
    ms: FALLBACK_WORKER_MS,
    from: `${FALLBACK_WORKER_MS} ms, the earlier estimate (no end-to-end figure in docs/benchmarks.json)`,
  };
}

/** Worker throughput with a tree model in place of the logistic one, per `perCustomerMs` of today's. */
const modelled = (perCustomerMs: number, r: Rounds, withoutLogistic = false) => {
  const extraMs = (us(r.subject.opsPerSec) - (withoutLogistic ? 0 : us(r.baseline.opsPerSec))) / 1000;
  return { extraMs, ratio: perCustomerMs / (perCustomerMs + extraMs) };
};

async function inference(s: SyntheticOutcome): Promise<BenchResult[]> {
  const customers = s.held.map((e) => e.source);
  const results: BenchResult[] = [];
  const what = `vectorise + prediction + explanation (coefficients for logistic, TreeSHAP for trees), ${customers.length.toLocaleString('en')} held-out synthetic customers in turn (${s.specs.length} columns), ${BATCH} per timed call, each tree model in a fresh process (one explainer, as a worker has)`;
  const early = await explainCostApart({ logistic: s.logistic, trees: s.trees, specs: s.specs, customers });
  results.push(
    costRow(
      `explainPrediction per customer: trees (synthetic, ${s.treeCount} trees kept by early stopping, depth ${TREES.maxDepth}) vs logistic`,
      early,
      what,
    ),
  );
  let worst = { rounds: early, trees: s.treeCount };
  if (s.treeCount < FULL_ENSEMBLE_BELOW) {
    // Early stopping kept far fewer trees: a model of the full default size bounds the cost from above.
    const { ensemble, metrics } = trainBoostedTrees(rowsOf(s.specs, s.training, 'nan'), {
      featureNames: featureNames(s.specs),
      rounds: TREES.rounds,
      maxDepth: TREES.maxDepth,
      learningRate: TREES.learningRate,
      seed: SEED,
    });
    const full = await explainCostApart({ logistic: s.logistic, trees: ensemble, specs: s.specs, customers });
    results.push(
      costRow(
        `explainPrediction per customer: trees (synthetic, ${metrics.rounds} trees, depth ${TREES.maxDepth}, no early stopping) vs logistic`,
        full,
        `the largest ensemble the product's defaults allow (${TREES.rounds} rounds, depth ${TREES.maxDepth}; ${metrics.leaves.toLocaleString('en')} leaves), trained on the whole training part without early stopping; timed as the row above`,
      ),
    );
    worst = { rounds: full, trees: metrics.rounds };
  }
  const worker = workerMsPerCustomer();
  const m = modelled(worker.ms, worst.rounds);
  const plain = modelled(worker.ms, worst.rounds, true);
  const half = modelled(worker.ms / 2, worst.rounds);
  const kept = modelled(worker.ms, early);
  results.push({
    name: `worker throughput with trees on (${worst.trees} trees, depth ${TREES.maxDepth}), modelled from the measured per-customer costs`,
    baseline: {
      label: `today, ${worker.ms.toFixed(2)} ms Node CPU per customer`,
      opsPerSec: 1000 / worker.ms,
      unit: 'customers/s per core',
    },
    subject: {
      label: `with trees, +${(m.extraMs * 1000).toFixed(0)} µs per customer`,
      opsPerSec: 1000 / (worker.ms + m.extraMs),
      unit: 'customers/s per core',
    },
    ratio: m.ratio,
    target: 0.5,
    notes: `modelled, not measured end to end: perCustomerWorker / (perCustomerWorker + treeCost − logisticCost), explainPrediction's µs per customer from the row above (medians of the rounds), perCustomerWorker from ${worker.from}. With the ${s.treeCount} trees early stopping kept: ${kept.ratio.toFixed(3)}×. The end-to-end run publishes no predictive model, so against no model at all (+treeCost): ${plain.ratio.toFixed(3)}×. The per-customer figure is the whole Node process (gateway, authoriser, ingest, SQS stand-ins and the worker), so it flatters the worker alone: were the worker half of it (${(worker.ms / 2).toFixed(2)} ms), ${half.ratio.toFixed(3)}×`,
  });
  return results;
}

export async function run(): Promise<BenchResult[]> {
  const german = germanCredit();
  const s = synthetic();
  return [...german, ...s.results, ...(await inference(s))];
}
