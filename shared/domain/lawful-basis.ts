import type { CustomerRecord } from './schemas.js';

export type LawfulBasisCode =
  | 'LAWFUL_BASIS_MISSING'
  | 'LAWFUL_BASIS_NOT_PERMITTED'
  | 'LAWFUL_BASIS_WITHDRAWN'
  | 'LAWFUL_BASIS_EXPIRED'
  | 'LAWFUL_BASIS_FUTURE_DATED';

/**
 * Which GDPR Art. 6 bases may support each purpose. AML risk assessment normally rests on a
 * legal obligation (6(1)(c)); consent is deliberately not accepted there, because a customer
 * could withdraw it and stop the screening the law requires.
 */
export const permittedBases: Record<string, readonly string[]> = {
  risk_assessment: ['legal_obligation', 'legitimate_interests', 'contract', 'public_task'],
  feedback: ['consent', 'legitimate_interests'],
};

export type LawfulBasisCheck = { ok: true } | { ok: false; code: LawfulBasisCode; message: string };

/** Checks that a record may be processed for `purpose` at time `now`. */
export function checkLawfulBasis(
  lawfulBasis: CustomerRecord['lawfulBasis'],
  purpose: string,
  now: Date,
): LawfulBasisCheck {
  const entry = lawfulBasis[purpose as keyof typeof lawfulBasis];
  if (!entry) {
    return {
      ok: false,
      code: 'LAWFUL_BASIS_MISSING',
      message: `No lawful basis recorded for purpose ${purpose}`,
    };
  }
  const allowed = permittedBases[purpose] ?? [];
  if (!allowed.includes(entry.basis)) {
    return {
      ok: false,
      code: 'LAWFUL_BASIS_NOT_PERMITTED',
      message: `Basis ${entry.basis} cannot support purpose ${purpose}; accepted: ${allowed.join(', ')}`,
    };
  }
  if (Date.parse(entry.recordedAt) > now.getTime() + 5 * 60_000) {
    return {
      ok: false,
      code: 'LAWFUL_BASIS_FUTURE_DATED',
      message: 'Lawful basis is recorded in the future',
    };
  }
  if (entry.withdrawnAt && Date.parse(entry.withdrawnAt) <= now.getTime()) {
    return {
      ok: false,
      code: 'LAWFUL_BASIS_WITHDRAWN',
      message: `Lawful basis for ${purpose} was withdrawn`,
    };
  }
  if (entry.expiresAt && Date.parse(entry.expiresAt) <= now.getTime()) {
    return { ok: false, code: 'LAWFUL_BASIS_EXPIRED', message: `Lawful basis for ${purpose} has expired` };
  }
  return { ok: true };
}
