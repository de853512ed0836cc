import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealJson } from '../../shared/domain/crypto/envelope.js';
import type { Assignment, AuditEvent } from '../../shared/domain/ports.js';
import {
  decryptPersonalData,
  mayDecrypt,
  type PersonalDataAccessDeps,
} from '../../shared/domain/privacy/personal-data-access.js';
import { loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { defaultSegmentPolicy, segmentPolicyOf } from '../../shared/domain/risk-model/model.js';
import { AppError } from '../../shared/errors.js';

const model = loadDefaultModel();
const policyOf = (name: string) => {
  const segment = model.segments.find((s) => s.name === name);
  if (!segment) throw new Error(`no segment ${name} in the default model`);
  return segmentPolicyOf(segment);
};
const person = (role: string) => ({ type: 'principal' as const, id: `p-${role}`, role });

describe('mayDecrypt', () => {
  it('follows the segment policy of the shipped model for every purpose but access requests', () => {
    expect(mayDecrypt(person('analyst'), 'kyc_review', policyOf('low')).allowed).toBe(true);
    expect(mayDecrypt(person('analyst'), 'kyc_review', policyOf('high')).allowed).toBe(false);
    expect(mayDecrypt(person('analyst'), 'investigation', policyOf('critical')).allowed).toBe(false);
    expect(mayDecrypt(person('compliance'), 'enhanced_due_diligence', policyOf('critical')).allowed).toBe(
      true,
    );
    expect(mayDecrypt(person('privacy'), 'investigation', policyOf('critical')).allowed).toBe(false);
    expect(mayDecrypt(person('admin'), 'kyc_review', policyOf('low')).allowed).toBe(false);
  });

  it('lets the privacy officer, and only that officer, decrypt for an access request in any segment', () => {
    expect(mayDecrypt(person('privacy'), 'subject_access_request', policyOf('critical'))).toEqual({
      allowed: true,
      basis: 'legal-obligation',
    });
    expect(mayDecrypt(person('compliance'), 'subject_access_request', policyOf('low')).allowed).toBe(false);
  });

  it('checks no role for the system, which still names a purpose', () => {
    expect(mayDecrypt({ type: 'system', id: 'job' }, 'kyc_review', policyOf('critical')).allowed).toBe(true);
  });

  it('uses the default policy (compliance and privacy) for a customer without a segment', () => {
    expect(mayDecrypt(person('analyst'), 'kyc_review', defaultSegmentPolicy).allowed).toBe(false);
    expect(mayDecrypt(person('compliance'), 'kyc_review', defaultSegmentPolicy).allowed).toBe(true);
  });
});

describe('decryptPersonalData', () => {
  const key = randomBytes(32);
  const pseudonym = 'k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const data = { name: 'Carla Critical', email: 'carla@critical.example' };
  const box = sealJson(key, data, 'ctx');
  const request = (role: string) => ({
    pseudonym,
    purpose: 'kyc_review' as const,
    actor: person(role),
    requestId: 'req-1',
    now: new Date('2026-11-25T12:00:00Z'),
  });
  function deps(segment: string, audit: AuditEvent[], failAudit = false): PersonalDataAccessDeps {
    return {
      keys: { subjectKeys: async () => new Map([[pseudonym, key]]) },
      assignments: { get: async () => ({ pseudonym, segment }) as Assignment },
      segments: async () => model.segments,
      audit: {
        append: async (events) => {
          if (failAudit) throw new Error('audit table unavailable');
          audit.push(...events);
        },
      },
    };
  }

  it('audits the decryption with purpose, segment and field names, then returns the clear data', async () => {
    const audit: AuditEvent[] = [];

    const out = await decryptPersonalData(
      request('compliance'),
      [{ field: 'personalData', box, context: 'ctx' }],
      deps('critical', audit),
    );

    expect(out.values.get('personalData')).toEqual(data);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'personal-data.decrypted',
        subject: pseudonym,
        actor: person('compliance'),
        details: {
          purpose: 'kyc_review',
          segment: 'critical',
          basis: 'segment-policy',
          fields: ['personalData.email', 'personalData.name'],
          opened: 1,
        },
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(data.email);
  });

  it('refuses with 403 and audits the refusal, opening nothing', async () => {
    const audit: AuditEvent[] = [];

    const refused = decryptPersonalData(
      request('analyst'),
      [{ field: 'personalData', box, context: 'ctx' }],
      deps('critical', audit),
    );

    await expect(refused).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await expect(refused).rejects.toBeInstanceOf(AppError);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'personal-data.refused',
        details: expect.objectContaining({
          purpose: 'kyc_review',
          segment: 'critical',
          allowedRoles: ['compliance'],
        }),
      }),
    ]);
  });

  it('returns nothing when the audit record cannot be written', async () => {
    await expect(
      decryptPersonalData(
        request('compliance'),
        [{ field: 'personalData', box, context: 'ctx' }],
        deps('critical', [], true),
      ),
    ).rejects.toThrow('audit table unavailable');
  });
});
