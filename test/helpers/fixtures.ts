/** A valid lawful basis for AML risk assessment (GDPR Art. 6(1)(c)), shared by every test. */
export const lawfulBasis = {
  risk_assessment: {
    basis: 'legal_obligation',
    recordedAt: '2026-01-01T00:00:00Z',
    source: 'onboarding',
    version: 'v1',
  },
} as const;
