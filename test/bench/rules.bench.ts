/**
 * Rule-engine overhead: the compiled default model (CEL) against a hand-written TypeScript function
 * implementing the same rules, over the same synthetic customers.
 */
import {
  type Assessment,
  compileModel,
  type FiredRule,
  loadDefaultModel,
} from '../../shared/domain/risk-model/index.js';
import { seededRandom } from '../../shared/domain/scoring/random.js';
import { type BenchResult, compare, throughput } from './measure.js';

export interface SyntheticProfile {
  customerType?: 'individual' | 'corporate';
  jurisdictions?: string[];
  attributes: Record<string, number | string | boolean>;
  flags?: { pep?: boolean; sanctionsHit?: boolean; priorIncidents?: number; adverseMedia?: boolean };
}

export interface SyntheticTransactions {
  volume30d: number;
  count30d: number;
  volume90d: number;
  count90d: number;
  cashShare90d: number;
  cryptoShare90d: number;
  crossBorderShare90d: number;
  highRiskCountryCount90d: number;
  nearThresholdCashCount30d: number;
  maxAmount90d: number;
}

export interface SyntheticCustomer {
  profile: SyntheticProfile;
  /** Absent for customers without transaction history. */
  transactions?: SyntheticTransactions;
}

const COUNTRIES = [
  'DE',
  'FR',
  'NL',
  'ES',
  'IT',
  'PL',
  'US',
  'GB',
  'CH',
  'KE',
  'VN',
  'BG',
  'MC',
  'IR',
  'AE',
  'TR',
];

export function syntheticCustomers(count = 20_000, seed = 42): SyntheticCustomer[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const customers: SyntheticCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const corporate = rnd() < 0.2;
    const profile: SyntheticProfile = { attributes: { segmentHint: pick(['retail', 'sme', 'private']) } };
    if (rnd() > 0.02) profile.customerType = corporate ? 'corporate' : 'individual';
    if (rnd() > 0.03)
      profile.jurisdictions = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(COUNTRIES));
    if (rnd() > 0.05) {
      profile.flags = {
        pep: rnd() < 0.03,
        sanctionsHit: rnd() < 0.005,
        priorIncidents: rnd() < 0.05 ? 1 + Math.floor(rnd() * 3) : 0,
        adverseMedia: rnd() < 0.02,
      };
      if (rnd() < 0.05) delete profile.flags.adverseMedia;
    }
    const customer: SyntheticCustomer = { profile };
    if (rnd() > 0.1) {
      const scale = corporate ? 20 : 1;
      const count30d = Math.floor(rnd() * (rnd() < 0.05 ? 500 : 80));
      const volume30d = Math.round(rnd() * 60_000 * scale);
      customer.transactions = {
        volume30d,
        count30d,
        volume90d: Math.round(volume30d * (2 + rnd() * 2)),
        count90d: count30d * 3,
        cashShare90d: rnd() < 0.1 ? 0.4 + rnd() * 0.6 : rnd() * 0.3,
        cryptoShare90d: rnd() < 0.05 ? 0.2 + rnd() * 0.6 : 0,
        crossBorderShare90d: rnd(),
        highRiskCountryCount90d: rnd() < 0.1 ? Math.floor(rnd() * 4) : 0,
        nearThresholdCashCount30d: rnd() < 0.03 ? Math.floor(rnd() * 6) : 0,
        maxAmount90d: Math.round(rnd() * 20_000 * scale),
      };
    }
    customers.push(customer);
  }
  return customers;
}

const HIGH_RISK_COUNTRIES = new Set([
  'KP',
  'IR',
  'MM',
  'DZ',
  'AO',
  'BO',
  'BG',
  'CM',
  'CI',
  'CD',
  'HT',
  'KE',
  'LA',
  'LB',
  'MC',
  'NA',
  'NP',
  'SS',
  'SY',
  'VE',
  'VN',
  'VG',
  'YE',
]);
const SEGMENTS = ['low', 'medium', 'high', 'critical'] as const;

function orMissing<T>(value: T | undefined, name: string, fallback: T, missing: string[]): T {
  if (value !== undefined && value !== null) return value;
  missing.push(name);
  return fallback;
}

/** The default model's rules written by hand: the baseline for the benchmark and an oracle for the tests. */
export function handWrittenAssess(customer: SyntheticCustomer): Assessment {
  const { profile, transactions: tx } = customer;
  const flags = profile.flags;
  const missingVariables: string[] = [];
  const customerType = orMissing(profile.customerType, 'customerType', 'individual', missingVariables);
  const jurisdictions = orMissing(profile.jurisdictions, 'jurisdictions', [], missingVariables);
  const isPep = orMissing(flags?.pep, 'isPep', false, missingVariables);
  const sanctionsHit = orMissing(flags?.sanctionsHit, 'sanctionsHit', false, missingVariables);
  const priorIncidents = orMissing(flags?.priorIncidents, 'priorIncidents', 0, missingVariables);
  const adverseMedia = orMissing(flags?.adverseMedia, 'adverseMedia', false, missingVariables);
  if (!tx) {
    missingVariables.push(
      'volume30d',
      'count30d',
      'volume90d',
      'cashShare90d',
      'cryptoShare90d',
      'highRiskCountryCount90d',
      'nearThresholdCashCount30d',
    );
  }

  // Plain statements, no per-call closures: this is the baseline, it should be as fast as TypeScript gets.
  const fired: FiredRule[] = [];
  if (sanctionsHit) fired.push({ ruleId: 'sanctions-hit', points: 50, reasonCode: 'SANCTIONS_HIT' });
  if (isPep) fired.push({ ruleId: 'pep', points: 30, reasonCode: 'PEP' });
  if (adverseMedia) fired.push({ ruleId: 'adverse-media', points: 20, reasonCode: 'ADVERSE_MEDIA' });
  let highRiskJurisdiction = false;
  for (const c of jurisdictions) if (HIGH_RISK_COUNTRIES.has(c)) highRiskJurisdiction = true;
  if (highRiskJurisdiction) {
    fired.push({ ruleId: 'high-risk-jurisdiction', points: 25, reasonCode: 'HIGH_RISK_JURISDICTION' });
  }
  if (tx && tx.highRiskCountryCount90d >= 2) {
    fired.push({
      ruleId: 'high-risk-counterparties',
      points: 15,
      reasonCode: 'HIGH_RISK_COUNTERPARTY_COUNTRIES',
    });
  }
  if (priorIncidents >= 1)
    fired.push({ ruleId: 'prior-incidents', points: 20, reasonCode: 'PRIOR_INCIDENTS' });
  if (customerType === 'corporate') {
    fired.push({ ruleId: 'corporate-customer', points: 5, reasonCode: 'CORPORATE_CUSTOMER' });
  }
  if (tx) {
    if (tx.volume90d > (customerType === 'corporate' ? 2_000_000 : 150_000)) {
      fired.push({ ruleId: 'high-volume', points: 15, reasonCode: 'HIGH_VOLUME' });
    }
    if (tx.count30d > 300 || (tx.count30d > 100 && tx.volume30d > 50_000)) {
      fired.push({ ruleId: 'high-frequency', points: 10, reasonCode: 'HIGH_FREQUENCY' });
    }
    if (tx.cashShare90d >= 0.5 && tx.volume90d >= 10_000) {
      fired.push({ ruleId: 'cash-intensive', points: 15, reasonCode: 'CASH_INTENSIVE' });
    }
    if (tx.cryptoShare90d >= 0.3)
      fired.push({ ruleId: 'crypto-exposure', points: 10, reasonCode: 'CRYPTO_EXPOSURE' });
    if (tx.nearThresholdCashCount30d >= 3) {
      fired.push({ ruleId: 'structuring', points: 35, reasonCode: 'STRUCTURING_PATTERN' });
    }
  }
  // overrideSegment: sanctions-hit → critical (3), pep → high (2)
  const severity = sanctionsHit ? 3 : isPep ? 2 : -1;
  const overrideBy = sanctionsHit ? 'sanctions-hit' : isPep ? 'pep' : undefined;

  let score = 0;
  for (const f of fired) score += f.points;
  const band = score >= 80 ? 3 : score >= 50 ? 2 : score >= 25 ? 1 : 0;
  const assessment: Assessment = {
    modelId: 'aml-default',
    version: 1,
    score,
    segment: SEGMENTS[Math.max(band, severity)] as string,
    firedRules: fired,
    missingVariables,
    listsAsOf: { highRiskCountries: '2025-10-24' },
  };
  if (severity > band && overrideBy !== undefined) assessment.overrideBy = overrideBy;
  return assessment;
}

export async function run(): Promise<BenchResult[]> {
  const customers = syntheticCustomers(20_000);
  const model = compileModel(loadDefaultModel());
  let sink = 0;
  const baseline = await throughput(
    'hand-written TypeScript rules',
    () => {
      for (const c of customers) sink += handWrittenAssess(c).score;
    },
    customers.length,
  );
  const subject = await throughput(
    'compiled CEL default model',
    () => {
      for (const c of customers) sink += model.evaluate(c).score;
    },
    customers.length,
  );
  if (sink === Number.NEGATIVE_INFINITY) console.log(sink); // keep the results observable
  const executed = (how: string) => Object.values(model.ruleExecution).filter((e) => e === how).length;
  return [
    compare(
      'risk-model evaluate (default AML model, 20k synthetic customers)',
      baseline,
      subject,
      0.5,
      `${model.model.rules.length} rules, ${executed('generated')} inlined in the generated evaluator, ${executed('native')} native closures, ${executed('cel')} cel-js; 20,000 customers per call`,
    ),
  ];
}
