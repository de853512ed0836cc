/**
 * A seeded synthetic customer population for tests and benchmarks of the scoring trainers. The true
 * risk is a logistic of a deliberately nonlinear function, so a tree model should beat a linear one:
 * a threshold interaction (cash share > 0.6 AND more than 20 transactions), an XOR-like pair, a
 * U-shaped age effect, informative missingness, and pure-noise columns. Missing values are NaN.
 */
import { seededRandom } from './random.js';

export interface SyntheticRow {
  features: number[];
  label: 0 | 1;
}

export interface SyntheticPopulation {
  featureNames: string[];
  rows: SyntheticRow[];
}

const signalNames = [
  'cashShare',
  'transactionCount',
  'ageYears',
  'countryPairA',
  'countryPairB',
  'tenureYears',
  'incomeBand',
];

/** The log-odds the labels are drawn from (NaN = missing). Exported so tests can see the truth. */
export function syntheticLogOdds(features: readonly number[]): number {
  const [cash, count, age, a, b, tenure, income] = features as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  let logit = -1.6;
  if (cash > 0.6 && count > 20) logit += 2.2;
  logit += a * b > 0 ? 0.9 : -0.9;
  logit += 2 * ((age - 50) / 30) ** 2 - 0.6;
  // Missing tenure is itself a risk signal (e.g. an incomplete onboarding file).
  logit += Number.isNaN(tenure) ? 1 : -0.15 * Math.min(tenure, 8);
  if (!Number.isNaN(income) && income >= 4) logit -= 0.5;
  return logit;
}

/**
 * `n` rows from `seed`: seven signal columns then `noiseFeatures` uniform columns (default 2) that
 * carry no signal. tenureYears is missing for ~8 % of rows, incomeBand for ~6 %.
 */
export function syntheticPopulation(n: number, seed: number, noiseFeatures = 2): SyntheticPopulation {
  const random = seededRandom(seed);
  const featureNames = [...signalNames, ...Array.from({ length: noiseFeatures }, (_, k) => `noise${k + 1}`)];
  const rows: SyntheticRow[] = [];
  for (let i = 0; i < n; i++) {
    const features = [
      random(),
      Math.floor(random() * 50),
      18 + random() * 72,
      random() * 2 - 1,
      random() * 2 - 1,
      random() < 0.08 ? Number.NaN : Math.round(random() * 150) / 10,
      random() < 0.06 ? Number.NaN : 1 + Math.floor(random() * 6),
    ];
    for (let k = 0; k < noiseFeatures; k++) features.push(random());
    const p = 1 / (1 + Math.exp(-syntheticLogOdds(features)));
    rows.push({ features, label: random() < p ? 1 : 0 });
  }
  return { featureNames, rows };
}
