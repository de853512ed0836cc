/**
 * A deterministic demo population: customers (individuals and corporates, some in high-risk
 * jurisdictions, a few PEPs and sanctions hits), their transactions (some structuring cash just
 * under the 10,000 EUR threshold), survey deliveries, audit outcomes and a few cases. Same seed and
 * day → the same data, so a screenshot or a bug report can be reproduced.
 *
 * Each customer has a hidden riskiness that drives both what the risk model sees (flags,
 * jurisdictions, cash, counterparties) and what the audits later find, so the capture curve is
 * meaningful: the segments catch most issues, but not all (some issues sit with ordinary-looking
 * customers, as in life).
 */
import { seededRandom } from '../../../shared/domain/scoring/random.js';

export interface DemoOptions {
  seed: number;
  customers: number;
  /** The day the data is generated for: transactions fall in the 90 days before it. */
  asOf: Date;
}

export interface DemoCustomer {
  externalId: string;
  type: 'individual' | 'corporate';
  personalData: { name: string; email: string };
  jurisdictions: string[];
  flags: { pep: boolean; sanctionsHit: boolean; adverseMedia: boolean; priorIncidents: number };
  lawfulBasis: Record<string, { basis: string; recordedAt: string; source: string; version: string }>;
}

export interface DemoTransaction {
  transactionId: string;
  customerExternalId: string;
  amount: number;
  currency: string;
  timestamp: string;
  direction: 'inbound' | 'outbound';
  counterpartyCountry: string;
  paymentMethod: string;
}

export type DemoSurvey =
  | { type: 'survey.sent'; surveyId: string; respondent: { externalId: string }; sentAt: string }
  | {
      type: 'survey.response';
      surveyId: string;
      respondent: { externalId: string };
      submittedAt: string;
      nps: number;
      comment?: string;
    };

export interface DemoOutcome {
  externalId: string;
  outcome: 'issue' | 'no_issue';
  date: string;
  source: string;
}

export interface DemoCase {
  externalId: string;
  kind: 'enhanced_due_diligence' | 'compliance_review';
  reasonCode: string;
  /** Taken into review, and closed when a result is given. */
  review: boolean;
  close?: { result: 'issue_found' | 'no_issue'; reasonCode: string };
}

export interface DemoData {
  seed: number;
  asOf: string;
  customers: DemoCustomer[];
  transactions: DemoTransaction[];
  surveys: DemoSurvey[];
  outcomes: DemoOutcome[];
  cases: DemoCase[];
}

const firstNames = [
  'Ada',
  'Ben',
  'Clara',
  'David',
  'Elif',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kofi',
  'Lena',
  'Mateo',
  'Nora',
  'Omar',
  'Paula',
  'Ravi',
  'Sofia',
  'Tom',
  'Yara',
];
const lastNames = [
  'Meyer',
  'Dubois',
  'Rossi',
  'Smith',
  'Novak',
  'García',
  'Jansen',
  'Kowalski',
  'Okafor',
  'Berg',
  'Silva',
  'Yilmaz',
  'Nguyen',
  'Haddad',
  'Larsen',
];
const companyWords = [
  'Nordic',
  'Alpine',
  'Atlas',
  'Harbour',
  'Meridian',
  'Vertex',
  'Cedar',
  'Orion',
  'Summit',
  'Delta',
];
const companyKinds = [
  'Trading',
  'Logistics',
  'Holdings',
  'Imports',
  'Consulting',
  'Metals',
  'Textiles',
  'Foods',
];
/** Where most customers are, weighted by repetition. */
const homeCountries = [
  'DE',
  'DE',
  'DE',
  'FR',
  'FR',
  'NL',
  'GB',
  'GB',
  'ES',
  'IT',
  'AT',
  'BE',
  'PL',
  'CH',
  'US',
  'SE',
];
/** On the default model's high-risk list (FATF, October 2025). */
const highRiskCountries = ['IR', 'VN', 'KE', 'BG', 'VE', 'LB', 'MC'];
const currencies = ['EUR', 'EUR', 'EUR', 'EUR', 'USD', 'GBP', 'CHF'];
const methods = ['card', 'card', 'card', 'wire', 'wire', 'instant', 'direct_debit', 'wallet'];
const comments = {
  low: ['Fast and easy, thanks', 'Great app, payments arrive instantly', 'Very happy with the support team'],
  mid: ['Fine, but the fees are high', 'Onboarding was slow', 'Support took a few days to answer'],
  high: [
    'They asked for my documents again, third time this year',
    'Account blocked for a week without explanation',
    'Verification is a nightmare, selfie check failed twice',
    'Payment declined again',
  ],
};

const day = (d: Date) => d.toISOString().slice(0, 10);
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Generates the population. Pure: no clock, no randomness but the seeded generator. */
export function generateDemo(options: DemoOptions): DemoData {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const asOf = new Date(`${day(options.asOf)}T00:00:00.000Z`);
  const daysAgo = (d: number, hour = 12) =>
    new Date(asOf.getTime() - d * 86_400_000 + hour * 3_600_000 + Math.floor(random() * 3_600_000));

  const customers: DemoCustomer[] = [];
  const transactions: DemoTransaction[] = [];
  const surveys: DemoSurvey[] = [];
  const outcomes: DemoOutcome[] = [];
  const riskiness: number[] = [];
  const consents: boolean[] = [];
  let txn = 0;

  for (let i = 0; i < options.customers; i++) {
    const externalId = `DEMO-${options.seed}-${pad(i + 1, 6)}`;
    // Skewed towards low risk: most customers are ordinary, a tail is not.
    const r = random() ** 3;
    riskiness.push(r);
    const corporate = chance(0.2);
    const name = corporate
      ? `${pick(companyWords)} ${pick(companyKinds)} ${pick(['GmbH', 'SA', 'Ltd', 'BV', 'SRL'])}`
      : `${pick(firstNames)} ${pick(lastNames)}`;
    const home = pick(homeCountries);
    const jurisdictions = chance(0.02 + 0.35 * r) ? [home, pick(highRiskCountries)] : [home];
    if (corporate && chance(0.3)) jurisdictions.push(pick(homeCountries));
    const consent = chance(0.75);
    consents.push(consent);
    customers.push({
      externalId,
      type: corporate ? 'corporate' : 'individual',
      personalData: {
        name,
        email: `${name
          .toLowerCase()
          .replace(/[^a-z]+/g, '.')
          .replace(/^\.|\.$/g, '')}.${i + 1}@example.com`,
      },
      jurisdictions: [...new Set(jurisdictions)],
      flags: {
        pep: chance(0.01 + 0.12 * r),
        sanctionsHit: r > 0.5 && chance(0.08),
        adverseMedia: chance(0.01 + 0.2 * r),
        priorIncidents: r > 0.6 && chance(0.4) ? 1 + Math.floor(random() * 2) : 0,
      },
      lawfulBasis: {
        risk_assessment: {
          basis: 'legal_obligation',
          recordedAt: `${day(daysAgo(400 + Math.floor(random() * 800)))}T09:00:00Z`,
          source: 'onboarding',
          version: 'v1',
        },
        ...(consent
          ? {
              feedback: {
                basis: 'consent',
                recordedAt: `${day(daysAgo(200 + Math.floor(random() * 200)))}T09:00:00Z`,
                source: 'app',
                version: 'v1',
              },
            }
          : {}),
      },
    });

    const count = 2 + Math.floor(random() * (corporate ? 14 : 8));
    for (let t = 0; t < count; t++) {
      const amount = Math.round(Math.exp(3 + random() * (corporate ? 8 : 5)) * 100) / 100;
      transactions.push({
        transactionId: `DEMO-${options.seed}-T${pad(++txn, 8)}`,
        customerExternalId: externalId,
        amount: Math.max(1, amount),
        currency: pick(currencies),
        timestamp: daysAgo(1 + Math.floor(random() * 85), 8 + Math.floor(random() * 10)).toISOString(),
        direction: chance(0.5) ? 'inbound' : 'outbound',
        counterpartyCountry: chance(0.05 + 0.3 * r) ? pick(highRiskCountries) : pick(homeCountries),
        paymentMethod: chance(0.03 + 0.4 * r) ? 'cash' : chance(0.02 + 0.2 * r) ? 'crypto' : pick(methods),
      });
    }
    // Structuring: several cash deposits just under the 10,000 EUR reporting threshold within a month.
    if (r > 0.55 && chance(0.5)) {
      const deposits = 3 + Math.floor(random() * 3);
      for (let t = 0; t < deposits; t++) {
        transactions.push({
          transactionId: `DEMO-${options.seed}-T${pad(++txn, 8)}`,
          customerExternalId: externalId,
          amount: 9_100 + Math.floor(random() * 850),
          currency: 'EUR',
          timestamp: daysAgo(1 + Math.floor(random() * 25), 10).toISOString(),
          direction: 'inbound',
          counterpartyCountry: home,
          paymentMethod: 'cash',
        });
      }
    }
  }

  // Surveys in each of the last three months: riskier customers meet more friction and say so.
  for (let month = 1; month <= 3; month++) {
    customers.forEach((c, i) => {
      if (!consents[i] || !chance(0.3)) return;
      const r = riskiness[i] as number;
      const sentAt = daysAgo(month * 30 - 2);
      surveys.push({
        type: 'survey.sent',
        surveyId: 'relationship-nps',
        respondent: { externalId: c.externalId },
        sentAt: sentAt.toISOString(),
      });
      if (!chance(0.45 - 0.15 * r)) return;
      const nps = Math.max(0, Math.min(10, Math.round(9 - 7 * r + (random() - 0.5) * 4)));
      const mood = nps >= 9 ? 'low' : nps >= 7 ? 'mid' : 'high';
      surveys.push({
        type: 'survey.response',
        surveyId: 'relationship-nps',
        respondent: { externalId: c.externalId },
        submittedAt: new Date(sentAt.getTime() + 86_400_000 * (1 + Math.floor(random() * 3))).toISOString(),
        nps,
        ...(chance(0.5) ? { comment: pick(comments[mood]) } : {}),
      });
    });
  }

  // Audits over the last year: issues are far likelier where the hidden riskiness is high.
  customers.forEach((c, i) => {
    const r = riskiness[i] as number;
    if (!chance(0.3 + 0.4 * r)) return;
    const issue = chance(0.02 + 0.75 * r ** 1.5 + (c.flags.sanctionsHit ? 0.3 : 0));
    outcomes.push({
      externalId: c.externalId,
      outcome: issue ? 'issue' : 'no_issue',
      date: day(daysAgo(5 + Math.floor(random() * 355))),
      source: 'INTERNAL_AUDIT',
    });
  });

  // A few cases on the riskiest customers: some open, some in review, some closed.
  const riskiest = customers
    .map((c, i) => ({ c, r: riskiness[i] as number }))
    .sort((a, b) => b.r - a.r)
    .slice(0, Math.min(12, customers.length));
  const cases: DemoCase[] = riskiest.map(({ c }, k) => {
    const stage = k % 3;
    return {
      externalId: c.externalId,
      kind: k % 2 === 0 ? 'enhanced_due_diligence' : 'compliance_review',
      reasonCode: k % 2 === 0 ? 'HIGH_RISK_SEGMENT' : 'UNUSUAL_CASH_ACTIVITY',
      review: stage >= 1,
      ...(stage === 2
        ? {
            close: chance(0.6)
              ? { result: 'issue_found' as const, reasonCode: 'SOURCE_OF_FUNDS_UNCLEAR' }
              : { result: 'no_issue' as const, reasonCode: 'EXPLAINED_BY_BUSINESS' },
          }
        : {}),
    };
  });

  return { seed: options.seed, asOf: asOf.toISOString(), customers, transactions, surveys, outcomes, cases };
}
