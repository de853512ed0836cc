/**
 * The auditor's document of a scoring model version, in Markdown: what it is, what it learnt from,
 * how each variable is encoded, its parameters, how well it validates (training beside held-out
 * figures), the model itself (coefficients, or the trees' shape and what they split on) and how to
 * check an explanation by hand. It depends only on the stored version (no status, no clock), so
 * the digest recorded at publication can be checked by rendering it again.
 */
import { createHash } from 'node:crypto';
import { codeSpan, escapeMarkdown, formatNumber } from '../markdown.js';
import type { ProtectedFairness } from './assessment.js';
import type { Explanation, PredictiveModel, TreeScoringModel } from './explain.js';
import { columnCounts, type FeatureSpec, OTHER_CATEGORY } from './features.js';
import type { CrossValidation } from './fit.js';
import { originalScaleCoefficients, type ScoringModel } from './logistic.js';
import type { ReliabilityBin, ValidationMetrics } from './metrics.js';
import type { StoredScoringModel } from './store.js';
import { isLeaf } from './tree-model.js';

const isWindow = (w: unknown): w is { from: string; to: string } =>
  typeof w === 'object' && w !== null && typeof (w as { from?: unknown }).from === 'string';
const fixed = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

function encodingText(spec: FeatureSpec, trees: boolean): string {
  const missing = trees ? 'missing: the trees learnt where it goes' : `missing: the training mean`;
  switch (spec.kind) {
    case 'numeric':
      return trees ? `numeric; ${missing}` : `numeric; ${missing} (${fixed(spec.mean)})`;
    case 'boolean':
      return `binary (true = 1); ${missing}`;
    case 'ordinal':
      return `ordinal, rank 0 to ${spec.levels.length - 1}: ${spec.levels.map((l) => codeSpan(l, true)).join(' < ')}; unknown or ${missing}`;
    case 'categorical':
      return `one column per level ${spec.declared ? '(declared)' : '(frequent in training)'}: ${spec.categories.map((c) => codeSpan(c, true)).join(', ') || 'none'}, and ${codeSpan(OTHER_CATEGORY, true)} for any other value or a missing one`;
    case 'set':
      return `one column per level (frequent in training): ${spec.categories.map((c) => codeSpan(c, true)).join(', ') || 'none'}, and ${codeSpan(OTHER_CATEGORY, true)} when any other is present`;
  }
}

function validationRows(metrics: Record<string, unknown> | undefined): string[] {
  const validation = metrics?.validation as ValidationMetrics | undefined;
  const training = metrics?.training as ValidationMetrics | undefined;
  const cv = metrics?.crossValidation as CrossValidation | undefined;
  if (!validation) return ['No validation figures (an imported model is validated by its makers).'];
  const interval = (m: { aucInterval?: { lower: number; upper: number } }) =>
    m.aucInterval ? ` (95 %: ${fixed(m.aucInterval.lower, 3)}-${fixed(m.aucInterval.upper, 3)})` : '';
  const row = (label: string, pick: (m: ValidationMetrics) => string) =>
    `| ${label} | ${training ? pick(training) : '-'} | ${pick(validation)} |`;
  return [
    '| | Training | Held out |',
    '| --- | --- | --- |',
    row('Customers', (m) => formatNumber(m.rows)),
    row('Issues', (m) => formatNumber(m.positives)),
    row('AUC', (m) => `${fixed(m.auc, 3)}${interval(m)}`),
    row('Brier score', (m) => (m.brier === undefined ? '-' : fixed(m.brier, 4))),
    row('Issues in the top 5 %', (m) => percent(m.captureRates.top5)),
    row('Issues in the top 10 %', (m) => percent(m.captureRates.top10)),
    row('Issues in the top 20 %', (m) => percent(m.captureRates.top20)),
    '',
    'A held-out figure far below the training one means the model learnt its training customers rather than the pattern.',
    ...(cv
      ? [
          '',
          `${cv.folds}-fold cross-validation over every labelled customer (each scored by a model that did not see it): AUC ${fixed(cv.auc, 3)}${interval(cv)}, Brier score ${fixed(cv.brier, 4)}.`,
        ]
      : []),
  ];
}

function calibrationRows(bins: readonly ReliabilityBin[] | undefined): string[] {
  if (!bins?.length) return [];
  return [
    '',
    '### Calibration',
    '',
    'Held-out customers in ten groups of equal size by predicted probability: a calibrated model predicts about the share of issues each group really has.',
    '',
    '| Predicted from | to | Customers | Mean predicted | Share with an issue |',
    '| --- | --- | --- | --- | --- |',
    ...bins.map(
      (b) =>
        `| ${fixed(b.from, 3)} | ${fixed(b.to, 3)} | ${formatNumber(b.customers)} | ${percent(b.meanPredicted)} | ${percent(b.observedRate)} |`,
    ),
  ];
}

function fairnessRows(fairness: readonly ProtectedFairness[] | undefined): string[] {
  if (!fairness) return ['Not assessed (a model imported, or trained before fairness was reported).'];
  if (fairness.length === 0) return ['The risk model declares no protected variable the data carries.'];
  return fairness.flatMap((f) => [
    `### ${codeSpan(f.variable)}`,
    '',
    '| Group | Customers | Mean probability | Probability: 10th, 25th, 50th, 75th, 90th percentile | Among the top 20 % of scores |',
    '| --- | --- | --- | --- | --- |',
    ...f.groups.map(
      (g) =>
        `| ${escapeMarkdown(g.group)} | ${formatNumber(g.customers)} | ${percent(g.meanScore)} | ${(g.quantiles ?? []).map(percent).join(', ')} | ${percent(g.flaggedRate)} |`,
    ),
    '',
    ...(f.suppressed > 0
      ? [`${formatNumber(f.suppressed)} customers in groups too small to report are left out.`, '']
      : []),
    f.disparateImpact === null
      ? 'Disparate-impact ratio: not computable (one group).'
      : `Disparate-impact ratio (lowest rate in the top 20 % over highest): ${fixed(f.disparateImpact, 2)}${f.disparateImpact < 0.8 ? ' — **below 0.8**: the groups are flagged at markedly different rates; review the proxies below before publishing.' : '.'}`,
    '',
    f.proxies.length
      ? `Possible proxies (|correlation| ≥ 0.3 between a feature and membership of a group): ${f.proxies.map((p) => `${codeSpan(p.feature)} ${fixed(p.correlation, 2)}${Math.abs(p.correlation) >= 0.5 ? ' (strong)' : ''}`).join(', ')}.`
      : 'No feature correlates with membership of a group at |r| ≥ 0.3.',
    '',
  ]);
}

function topFeatureRows(
  top: readonly { feature: string; meanAbsContribution: number }[] | undefined,
): string[] {
  if (!top?.length) return [];
  return [
    '## What drives the scores',
    '',
    'Mean absolute contribution (log-odds) per variable over the held-out customers:',
    '',
    '| Variable | Mean |contribution| |',
    '| --- | --- |',
    ...top.slice(0, 15).map((t) => `| ${codeSpan(t.feature, true)} | ${fixed(t.meanAbsContribution, 4)} |`),
    '',
  ];
}

function exampleRows(examples: readonly Omit<Explanation, 'method'>[] | undefined): string[] {
  if (!examples?.length) return [];
  const shown = (v: unknown) =>
    v === null ? 'missing' : Array.isArray(v) ? v.join(', ') || 'none' : String(v);
  return [
    '## Example explanations',
    '',
    'Three typical customers, not real ones: each variable at the median (or most frequent value) of the held-out customers in the lowest, middle and highest tenth of scores, as the model explains them:',
    '',
    ...examples.flatMap((e, i) => [
      `${i + 1}. Probability ${fixed(e.probability)} (log-odds ${fixed(e.logOdds)}) = baseline ${fixed(e.baseline.logOdds)} plus:`,
      '',
      ...e.contributions.map(
        (c) =>
          `   - ${codeSpan(c.feature)} = ${codeSpan(shown(c.value))}: ${c.contribution >= 0 ? '+' : ''}${fixed(c.contribution)}`,
      ),
      ...(e.contributions.length > 0 ? ['   - the other variables: the rest'] : []),
      '',
    ]),
  ];
}

function logisticSection(model: ScoringModel): string[] {
  const original = originalScaleCoefficients(model);
  return [
    `Logistic regression: log-odds = intercept + Σ weight × value. Intercept (at the training means) ${fixed(model.intercept)}; in original units ${fixed(original.intercept)}.`,
    '',
    '| Column | Weight per unit | Weight per standard deviation | Training mean |',
    '| --- | --- | --- | --- |',
    ...model.featureNames.map(
      (name, j) =>
        `| ${codeSpan(name, true)} | ${fixed(original.weights[j] as number)} | ${fixed(model.weights[j] as number)} | ${fixed(model.means[j] as number)} |`,
    ),
  ];
}

function treeSection(model: TreeScoringModel, specs: readonly FeatureSpec[]): string[] {
  const counts = columnCounts(specs);
  const variableOf: string[] = [];
  specs.forEach((s, i) => {
    for (let k = 0; k < (counts[i] as number); k++) variableOf.push(s.variable ?? s.name);
  });
  const splits = new Map<string, { splits: number; cover: number }>();
  let leaves = 0;
  let depth = 0;
  for (const tree of model.trees) {
    const stack: [number, number][] = [[0, 0]];
    while (stack.length > 0) {
      const [node, d] = stack.pop() as [number, number];
      depth = Math.max(depth, d);
      if (isLeaf(tree, node)) {
        leaves++;
        continue;
      }
      const name =
        variableOf[tree.feature[node] as number] ?? model.featureNames[tree.feature[node] as number] ?? '?';
      const entry = splits.get(name) ?? { splits: 0, cover: 0 };
      entry.splits++;
      entry.cover += tree.cover[node] as number;
      splits.set(name, entry);
      stack.push([tree.left[node] as number, d + 1], [tree.right[node] as number, d + 1]);
    }
  }
  const origin =
    model.origin.kind === 'xgboost'
      ? `Imported from XGBoost (JSON format of release ${escapeMarkdown(model.origin.formatVersion)}).`
      : 'Gradient-boosted trees trained in riskloop (histogram splits, logistic loss).';
  const used = [...splits].sort((a, b) => b[1].cover - a[1].cover || (a[0] < b[0] ? -1 : 1));
  return [
    `${origin} ${formatNumber(model.trees.length)} trees, ${formatNumber(leaves)} leaves, depth up to ${depth}; log-odds before any tree ${fixed(model.baseMargin)}.`,
    '',
    'What the trees split on (weighted by the training customers reaching each split):',
    '',
    '| Variable | Splits | Customers weighted |',
    '| --- | --- | --- |',
    ...used.map(
      ([name, u]) => `| ${codeSpan(name, true)} | ${formatNumber(u.splits)} | ${fixed(u.cover, 1)} |`,
    ),
    ...(used.length < specs.length
      ? [
          '',
          `Never split on: ${specs
            .filter((s) => !splits.has(s.variable ?? s.name))
            .map((s) => codeSpan(s.variable ?? s.name))
            .join(', ')}.`,
        ]
      : []),
  ];
}

function parametersOf(model: PredictiveModel): [string, string][] {
  if (model.kind === 'trees')
    return model.origin.kind === 'trained'
      ? Object.entries(model.origin.parameters).map(([k, v]) => [k, String(v)])
      : [];
  const m = model.metrics;
  return m
    ? [
        ['l2', String(m.l2)],
        ['iterations', String(m.iterations)],
        ['converged', String(m.converged)],
      ]
    : [];
}

export function renderScoringDocument(stored: StoredScoringModel): string {
  const { model, specs } = stored;
  const trees = model.kind === 'trees';
  const name = `${stored.modelId}@${stored.version}`;
  const metrics = model.metrics as Record<string, unknown> | undefined;
  const parameters = parametersOf(model);
  const lines = [
    `# Scoring model ${escapeMarkdown(name)}`,
    '',
    `- Kind: ${trees ? 'gradient-boosted trees' : 'logistic regression'}`,
    `- Trained (or imported) by ${codeSpan(stored.trainedBy)} at ${stored.trainedAt}${stored.jobId ? `, job ${codeSpan(stored.jobId)}` : ''}`,
    ...(typeof metrics?.description === 'string' ? [`- Origin: ${escapeMarkdown(metrics.description)}`] : []),
    `- Labelled customers: ${stored.examples === undefined ? 'not recorded' : formatNumber(stored.examples)} (audit outcomes joined with each customer's decision inputs; a customer with any issue found is an issue)`,
    ...(isWindow(metrics?.outcomesWindow)
      ? [`- Outcomes dated ${metrics.outcomesWindow.from} to ${metrics.outcomesWindow.to}`]
      : []),
    `- Never used: ${stored.excluded.length ? stored.excluded.map((e) => codeSpan(e)).join(', ') : 'none'} (protected characteristics and exclusions asked for)`,
    ...(stored.undeclared?.length
      ? [`- Seen but not declared, so not used: ${stored.undeclared.map((e) => codeSpan(e)).join(', ')}`]
      : []),
    '',
    '## Variables and their encoding',
    '',
    ...(stored.declarations
      ? [
          `As declared in risk model ${codeSpan(stored.declarations.riskModel)} when the model was made (kept with it):`,
          '',
        ]
      : []),
    '| Variable | Source | Encoding |',
    '| --- | --- | --- |',
    ...specs.map(
      (s) =>
        `| ${codeSpan(s.variable ?? s.name, true)} | ${s.source.kind}: ${codeSpan(s.source.path, true)} | ${encodingText(s, trees)} |`,
    ),
    '',
    '## Parameters',
    '',
    ...(parameters.length
      ? [
          '| Parameter | Value |',
          '| --- | --- |',
          ...parameters.map(([k, v]) => `| ${escapeMarkdown(k)} | ${escapeMarkdown(v)} |`),
        ]
      : ['None recorded.']),
    '',
    '## Validation',
    '',
    ...validationRows(metrics),
    ...calibrationRows(metrics?.calibration as ReliabilityBin[] | undefined),
    '',
    '## Fairness',
    '',
    'Protected attributes are never features. They are read inside the training job only, to compare scores between groups of held-out customers; only the group figures below are kept.',
    '',
    ...fairnessRows(metrics?.fairness as ProtectedFairness[] | undefined),
    '## The model',
    '',
    ...(model.kind === 'trees' ? treeSection(model, specs) : logisticSection(model)),
    '',
    ...topFeatureRows(metrics?.topFeatures as { feature: string; meanAbsContribution: number }[] | undefined),
    ...exampleRows(metrics?.examples as Omit<Explanation, 'method'>[] | undefined),
    '## Reading an explanation',
    '',
    trees
      ? "Each prediction is explained by TreeSHAP: exact Shapley values of the trees, one per variable (a categorical variable's columns summed, so it explains by the level it has). The baseline is the trees' expected log-odds over the training customers; baseline + the contributions = the prediction's log-odds, exactly, and the probability is 1 / (1 + e^-log-odds)."
      : "Each prediction is explained by weight × (value − training mean) per column, summed per variable (a categorical variable's columns summed, so it explains by the level it has). The baseline is the intercept, the log-odds of a customer at the training means; baseline + the contributions = the prediction's log-odds, exactly, and the probability is 1 / (1 + e^-log-odds).",
    '',
  ];
  return lines.join('\n');
}

/** SHA-256 of a version's document: recorded at publication, checkable by rendering it again. */
export function documentDigest(stored: StoredScoringModel): string {
  return createHash('sha256').update(renderScoringDocument(stored), 'utf8').digest('hex');
}
