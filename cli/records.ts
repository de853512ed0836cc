/**
 * From CSV columns to API records. Nested fields are dotted columns (`personalData.email`,
 * `lawfulBasis.risk_assessment.basis`); lists are `;`-separated; empty cells are left out. Values
 * get the JSON type the API expects (flags are booleans, amounts numbers), because the API's
 * schemas are strict and would reject a "true" string. The API stays the judge of validity: this
 * file only shapes, and reports what it cannot shape with the column name, never the value.
 */

export type Kind = 'customers' | 'transactions';

export interface ShapeError {
  code: string;
  message: string;
  details: { path: string; code: string; message: string }[];
}

type Cell = 'string' | 'list' | 'boolean' | 'integer' | 'number' | 'auto';

const customerColumns: Record<string, Cell> = {
  externalId: 'string',
  type: 'string',
  jurisdictions: 'list',
  relationshipEndedAt: 'string',
  'personalData.name': 'string',
  'personalData.email': 'string',
  'personalData.phone': 'string',
  'personalData.dateOfBirth': 'string',
  'personalData.address.line1': 'string',
  'personalData.address.line2': 'string',
  'personalData.address.city': 'string',
  'personalData.address.postalCode': 'string',
  'personalData.address.country': 'string',
  'flags.pep': 'boolean',
  'flags.sanctionsHit': 'boolean',
  'flags.adverseMedia': 'boolean',
  'flags.priorIncidents': 'integer',
};
const lawfulBasisColumn =
  /^lawfulBasis\.(risk_assessment|feedback|marketing|product_analytics)\.(basis|recordedAt|source|version|expiresAt|withdrawnAt)$/;
const attributeColumn = /^attributes\.[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

const transactionColumns: Record<string, Cell> = {
  transactionId: 'string',
  customerExternalId: 'string',
  amount: 'number',
  currency: 'string',
  timestamp: 'string',
  direction: 'string',
  counterpartyCountry: 'string',
  paymentMethod: 'string',
};

function cellType(kind: Kind, column: string): Cell | undefined {
  if (kind === 'transactions') return transactionColumns[column];
  if (lawfulBasisColumn.test(column)) return 'string';
  if (attributeColumn.test(column)) return 'auto';
  return customerColumns[column];
}

/** Which kind a header describes: a `transactionId` column means transactions. */
export function kindOfHeader(header: readonly string[]): Kind {
  return header.includes('transactionId') ? 'transactions' : 'customers';
}

/** Which kind a JSON record is. */
export function kindOfRecord(record: unknown): Kind {
  return typeof record === 'object' && record !== null && 'transactionId' in record
    ? 'transactions'
    : 'customers';
}

/** Problems with a header (unknown or repeated columns), as messages; empty when fine. */
export function checkHeader(kind: Kind, header: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) problems.push(`column "${column}" appears twice`);
    seen.add(column);
    if (!cellType(kind, column)) problems.push(`unknown column "${column}" for ${kind} (see docs/cli.md)`);
  }
  return problems;
}

const truthy = new Set(['true', 'yes', 'y', '1']);
const falsy = new Set(['false', 'no', 'n', '0']);
const numeric = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function convert(type: Cell, raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  switch (type) {
    case 'string':
      return { ok: true, value: raw };
    case 'list':
      return {
        ok: true,
        value: raw
          .split(';')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      };
    case 'boolean': {
      const v = raw.toLowerCase();
      if (truthy.has(v)) return { ok: true, value: true };
      if (falsy.has(v)) return { ok: true, value: false };
      return { ok: false, message: 'Expected true/false, yes/no or 1/0' };
    }
    case 'integer':
      return /^\d+$/.test(raw)
        ? { ok: true, value: Number(raw) }
        : { ok: false, message: 'Expected a whole number' };
    case 'number':
      return numeric.test(raw)
        ? { ok: true, value: Number(raw) }
        : { ok: false, message: 'Expected a number' };
    case 'auto': {
      if (numeric.test(raw)) return { ok: true, value: Number(raw) };
      const v = raw.toLowerCase();
      if (v === 'true' || v === 'false') return { ok: true, value: v === 'true' };
      return { ok: true, value: raw };
    }
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  node[path[path.length - 1] as string] = value;
}

/**
 * One CSV row as an API record. Cells are trimmed; an empty cell leaves its field out (so an
 * optional nested object with no filled cell is not sent at all).
 */
export function rowToRecord(
  kind: Kind,
  header: readonly string[],
  fields: readonly string[],
): { ok: true; record: Record<string, unknown> } | { ok: false; error: ShapeError } {
  if (fields.length !== header.length) {
    return {
      ok: false,
      error: {
        code: 'CSV_COLUMN_COUNT',
        message: `Expected ${header.length} fields, found ${fields.length}`,
        details: [],
      },
    };
  }
  const record: Record<string, unknown> = {};
  const details: ShapeError['details'] = [];
  header.forEach((column, i) => {
    const raw = (fields[i] ?? '').trim();
    if (raw === '') return;
    const type = cellType(kind, column) ?? 'string';
    const converted = convert(type, raw);
    if (converted.ok) setPath(record, column.split('.'), converted.value);
    else details.push({ path: column, code: 'INVALID_VALUE', message: converted.message });
  });
  if (details.length > 0) {
    return { ok: false, error: { code: 'CSV_INVALID_VALUE', message: 'Cells could not be read', details } };
  }
  return { ok: true, record };
}
