import type { Assignment } from '../../shared/domain/ports.js';

/** A valid lawful basis for AML risk assessment (GDPR Art. 6(1)(c)), shared by every test. */
export const lawfulBasis = {
  risk_assessment: {
    basis: 'legal_obligation',
    recordedAt: '2026-01-01T00:00:00Z',
    source: 'onboarding',
    version: 'v1',
  },
} as const;

/**
 * A stored decision of the default model: low, nothing fired, decided on 1 Nov 2026, with the
 * given inputs and whatever else `overrides` sets.
 */
export function storedDecision(
  pseudonym: string,
  inputs: Assignment['inputs'],
  overrides: Partial<Assignment> = {},
): Assignment {
  return {
    pseudonym,
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
    inputDigest: `d-${pseudonym}`,
    inputs,
    assignedAt: '2026-11-01T00:00:00.000Z',
    previousSegment: null,
    revision: 1,
    ...overrides,
  };
}
