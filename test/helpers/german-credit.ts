/**
 * German Credit (UCI Statlog, 1,000 applicants) as riskloop input: each row becomes a customer record
 * with decoded custom attributes, and its label an audit outcome (2 = bad credit = 'issue').
 * The mapping is documented in docs/examples/german-credit.md; codes follow german.names.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelVariable } from '../../shared/domain/risk-model/model.js';
import type { CustomerRecord } from '../../shared/domain/schemas.js';
import type { FeatureSource } from '../../shared/domain/scoring/features.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `RISKLOOP_GERMAN_CREDIT_CSV`, else the shared data folder beside the repository. */
export function germanCreditCsvPath(): string {
  return (
    process.env.RISKLOOP_GERMAN_CREDIT_CSV ?? resolve(repoRoot, 'test/fixtures/german-credit/german.csv')
  );
}

type Decoded = string | boolean;

export interface GermanCreditAttribute {
  /** 1-based attribute number in german.names (= CSV column). */
  number: number;
  name: string;
  description: string;
  /** Code → decoded value; absent for numeric attributes. */
  codes?: Record<string, Decoded>;
  protected: boolean;
}

const attr = (
  number: number,
  name: string,
  description: string,
  codes?: Record<string, Decoded>,
  isProtected = false,
): GermanCreditAttribute => ({
  number,
  name,
  description,
  ...(codes ? { codes } : {}),
  protected: isProtected,
});

export const GERMAN_CREDIT_ATTRIBUTES: readonly GermanCreditAttribute[] = [
  attr(1, 'checkingAccountStatus', 'Status of existing checking account', {
    A11: 'below_0_dm',
    A12: '0_to_200_dm',
    A13: 'at_least_200_dm_or_salary',
    A14: 'no_checking_account',
  }),
  attr(2, 'durationMonths', 'Duration in months'),
  attr(3, 'creditHistory', 'Credit history', {
    A30: 'no_credits_or_all_paid_duly',
    A31: 'all_paid_duly_at_this_bank',
    A32: 'existing_paid_duly_till_now',
    A33: 'delay_in_past',
    A34: 'critical_or_credits_elsewhere',
  }),
  attr(4, 'purpose', 'Purpose', {
    A40: 'car_new',
    A41: 'car_used',
    A42: 'furniture_equipment',
    A43: 'radio_television',
    A44: 'domestic_appliances',
    A45: 'repairs',
    A46: 'education',
    A47: 'vacation',
    A48: 'retraining',
    A49: 'business',
    A410: 'others',
  }),
  attr(5, 'creditAmount', 'Credit amount (DM)'),
  attr(6, 'savings', 'Savings account / bonds', {
    A61: 'below_100_dm',
    A62: '100_to_500_dm',
    A63: '500_to_1000_dm',
    A64: 'at_least_1000_dm',
    A65: 'unknown_or_none',
  }),
  attr(7, 'employmentSince', 'Present employment since', {
    A71: 'unemployed',
    A72: 'below_1_year',
    A73: '1_to_4_years',
    A74: '4_to_7_years',
    A75: 'at_least_7_years',
  }),
  attr(8, 'installmentRate', 'Instalment rate in % of disposable income (band 1-4)'),
  attr(
    9,
    'personalStatusSex',
    'Personal status and sex',
    {
      A91: 'male_divorced_separated',
      A92: 'female_divorced_separated_married',
      A93: 'male_single',
      A94: 'male_married_widowed',
      A95: 'female_single',
    },
    true,
  ),
  attr(10, 'otherDebtors', 'Other debtors / guarantors', {
    A101: 'none',
    A102: 'co_applicant',
    A103: 'guarantor',
  }),
  attr(11, 'residenceSince', 'Present residence since (band 1-4)'),
  attr(12, 'property', 'Property', {
    A121: 'real_estate',
    A122: 'building_society_savings_or_life_insurance',
    A123: 'car_or_other',
    A124: 'unknown_or_none',
  }),
  attr(13, 'age', 'Age in years', undefined, true),
  attr(14, 'otherInstallmentPlans', 'Other instalment plans', { A141: 'bank', A142: 'stores', A143: 'none' }),
  attr(15, 'housing', 'Housing', { A151: 'rent', A152: 'own', A153: 'for_free' }),
  attr(16, 'existingCredits', 'Number of existing credits at this bank'),
  attr(17, 'job', 'Job', {
    A171: 'unemployed_or_unskilled_non_resident',
    A172: 'unskilled_resident',
    A173: 'skilled_employee_official',
    A174: 'management_self_employed_highly_qualified',
  }),
  attr(18, 'peopleLiable', 'Number of people liable to provide maintenance for'),
  attr(19, 'telephone', 'Telephone registered under the customer name', { A191: false, A192: true }),
  attr(20, 'foreignWorker', 'Foreign worker', { A201: true, A202: false }, true),
];

/** Sex / personal status, age and foreign-worker status: documented, never used by rules or models. */
export const PROTECTED_ATTRIBUTES = ['personalStatusSex', 'age', 'foreignWorker'] as const;

export interface GermanCreditRow {
  /** 1-based line number in german.csv. */
  row: number;
  attributes: Record<string, number | string | boolean>;
  /** 1 = good, 2 = bad. */
  label: 1 | 2;
}

export interface AuditOutcome {
  externalId: string;
  outcome: 'issue' | 'no_issue';
  date: string;
  source: 'EXTERNAL_AUDIT';
}

/** Decodes every line; throws on an unknown code or a malformed line (the file is fixed data). */
export function parseGermanCredit(csv: string): GermanCreditRow[] {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 21)
      throw new Error(`german.csv line ${i + 1}: expected 21 columns, got ${cells.length}`);
    const attributes: Record<string, number | string | boolean> = {};
    for (const a of GERMAN_CREDIT_ATTRIBUTES) {
      const cell = cells[a.number - 1] as string;
      const value = a.codes ? (Object.hasOwn(a.codes, cell) ? a.codes[cell] : undefined) : Number(cell);
      if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
        throw new Error(`german.csv line ${i + 1}: attribute ${a.number} has an unknown value`);
      }
      attributes[a.name] = value;
    }
    const label = cells[20];
    if (label !== '1' && label !== '2') throw new Error(`german.csv line ${i + 1}: label must be 1 or 2`);
    return { row: i + 1, attributes, label: label === '2' ? 2 : 1 };
  });
}

export function toCustomerRecord(row: GermanCreditRow): CustomerRecord {
  return {
    externalId: `GC-${row.row}`,
    type: 'individual',
    jurisdictions: ['DE'],
    attributes: { ...row.attributes },
    lawfulBasis: {
      risk_assessment: {
        basis: 'legal_obligation',
        recordedAt: '2026-01-01T00:00:00Z',
        source: 'german-credit',
        version: 'v1',
      },
    },
  };
}

/** The data carries no dates; every outcome gets the same (configurable) date. */
export function toAuditOutcome(row: GermanCreditRow, date = '2026-01-01'): AuditOutcome {
  return {
    externalId: `GC-${row.row}`,
    outcome: row.label === 2 ? 'issue' : 'no_issue',
    date,
    source: 'EXTERNAL_AUDIT',
  };
}

/** What the scoring code reads from a customer, as the worker would see it (no transactions here). */
export function toFeatureSource(record: CustomerRecord): FeatureSource {
  return {
    profile: {
      customerType: record.type,
      jurisdictions: record.jurisdictions,
      attributes: record.attributes ?? {},
      flags: record.flags ?? {},
    },
  };
}

export interface GermanCredit {
  rows: GermanCreditRow[];
  customers: CustomerRecord[];
  outcomes: AuditOutcome[];
}

export function loadGermanCredit(options: { path?: string; outcomeDate?: string } = {}): GermanCredit {
  const rows = parseGermanCredit(readFileSync(options.path ?? germanCreditCsvPath(), 'utf8'));
  return {
    rows,
    customers: rows.map(toCustomerRecord),
    outcomes: rows.map((row) => toAuditOutcome(row, options.outcomeDate)),
  };
}

/**
 * The attributes declared as risk-model variables, as docs/examples/german-credit.md does: coded
 * attributes categorical with their decoded levels, yes/no attributes boolean, the rest numeric; the
 * protected ones marked so. `age` is left out: the default model declares it (protected) already.
 */
export function germanCreditVariables(): ModelVariable[] {
  return GERMAN_CREDIT_ATTRIBUTES.filter((a) => a.name !== 'age').map((a) => {
    const values = a.codes ? Object.values(a.codes) : undefined;
    const boolean = values?.every((v) => typeof v === 'boolean') ?? false;
    return {
      name: a.name,
      type: boolean ? 'boolean' : values ? 'string' : 'number',
      description: a.description,
      source: { kind: 'profile', path: `attributes.${a.name}` },
      missing: { policy: 'skip-rules' },
      ...(a.protected ? { protected: true } : {}),
      ...(values && !boolean
        ? { scale: { kind: 'categorical', levels: values.map(String) } }
        : values
          ? {}
          : { scale: { kind: 'numeric' } }),
    } satisfies ModelVariable;
  });
}
