/**
 * The synthetic population of the scale benchmark, one customer per index, deterministic: its
 * decision, the audit record of it, and for some customers an audit outcome and a case. The items
 * are stored with the product's own builders (`assignmentItem`, `auditPut`); a test
 * (test/integration/scale-items.test.ts) holds them to the items ingest and the worker write.
 */
import { auditEvent } from '../../shared/domain/audit.js';
import { type ComplianceCase, caseIdOf } from '../../shared/domain/cases/case.js';
import type { Assignment, AuditOutcome } from '../../shared/domain/ports.js';
import { storedDecision } from '../helpers/fixtures.js';

const codes = ['PEP', 'HIGH_RISK_COUNTRY', 'CASH_INTENSIVE', 'STRUCTURING', 'CRYPTO'];
const months = ['2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'];
export const pseudonymOf = (i: number) => `k1.${String(i).padStart(43, 'S')}`;

/** The inputs of synthetic customer i (the population benchmark's too): features a model reads. */
export function syntheticInputs(i: number): Assignment['inputs'] {
  return {
    profile: {
      customerType: i % 7 === 0 ? 'corporate' : 'individual',
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
  };
}

/** Customer i's decision: 70 % low, 20 % medium, 8 % high, 2 % critical; deterministic. */
export function decisionOf(i: number): Assignment {
  const r = (i * 2654435761) % 100;
  const segment = r < 70 ? 'low' : r < 90 ? 'medium' : r < 98 ? 'high' : 'critical';
  const score = { low: 0, medium: 30, high: 55, critical: 85 }[segment] + (i % 25);
  const reasonCodes = segment === 'low' ? [] : codes.filter((_, k) => (i >> k) % 3 === 0).slice(0, 3);
  const day = String(1 + (i % 28)).padStart(2, '0');
  // Spread over the day to the millisecond, as real decisions are: ties in the listing's order are
  // then as rare as in production (one timestamp per hour made 6,000 customers share each at 1M).
  const second = (i * 7919) % 86_400;
  const time = `${String(Math.floor(second / 3600)).padStart(2, '0')}:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}.${String((i * 31) % 1000).padStart(3, '0')}`;
  return storedDecision(
    pseudonymOf(i),
    { ...syntheticInputs(i), feedback: { frictionThemes90d: 0, responses90d: 0, selfReported: {} } },
    {
      segment,
      modelSegment: segment,
      score,
      reasonCodes,
      assignedAt: `${months[i % months.length]}-${day}T${time}Z`,
    },
  );
}

export function auditOf(a: Assignment) {
  return auditEvent({
    eventId: `decision:${a.pseudonym}:r${a.revision}`,
    subject: a.pseudonym,
    actor: { type: 'system', id: 'segmentWorker' },
    action: 'segment.assigned',
    reasonCodes: a.reasonCodes,
    requestId: 'bench-scale',
    at: new Date(a.assignedAt),
    modelVersion: `${a.modelId}@${a.modelVersion}`,
    details: { before: null, after: { segment: a.segment, score: a.score } },
  });
}

/** One customer in 50 has an audit outcome, placed where the customer stands. */
export function outcomeOf(i: number, a: Assignment): AuditOutcome | undefined {
  if (i % 50 !== 0) return undefined;
  return {
    pseudonym: a.pseudonym,
    outcomeId: `bench-${i}`,
    outcome: a.segment === 'low' && i % 3 !== 0 ? 'no_issue' : 'issue',
    date: a.assignedAt.slice(0, 10),
    source: 'TRANSACTION_MONITORING',
    recordedBy: 'bench',
    recordedAt: a.assignedAt,
    schemaVersion: 2,
    placedIn: { segment: a.segment, score: a.score },
  };
}

/** One customer in 100 has a KYC review case; a third of them closed. */
export function caseOf(i: number, a: Assignment): ComplianceCase | undefined {
  if (i % 100 !== 0) return undefined;
  const closed = i % 3 === 0;
  const openedAt = a.assignedAt;
  return {
    caseId: caseIdOf('kyc_review', a.pseudonym, `bench-${i}`),
    kind: 'kyc_review',
    subject: a.pseudonym,
    segment: a.segment,
    status: closed ? 'closed' : 'open',
    reasonCode: 'KYC_REVIEW_DUE',
    dueAt: null,
    openedAt,
    openedBy: 'bench',
    updatedAt: openedAt,
    ...(closed
      ? { closedAt: new Date(Date.parse(openedAt) + (1 + (i % 20)) * 86_400_000).toISOString() }
      : {}),
    revision: closed ? 3 : 1,
  };
}
