import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { httpRoutes, type Role, roles } from '../../infra/manifest.js';
import { approvalDeciders } from '../../shared/domain/approvals/policy.js';
import {
  allowedResources,
  bearerKey,
  hashApiKey,
  newApiKey,
  policyAllows,
} from '../../shared/domain/auth.js';

const stageArn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const routes = httpRoutes().map((r) => r.route);
const pseudonym = `k1.${'A'.repeat(20)}-_${'b'.repeat(21)}`;

describe('newApiKey', () => {
  it.each(roles)('makes rl_%s_ keys with 43 base64url characters of randomness', (role) => {
    const key = newApiKey(role);

    expect(key).toMatch(new RegExp(`^rl_${role}_[A-Za-z0-9_-]{43}$`));
  });

  it('never makes the same key twice', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newApiKey('analyst')));

    expect(keys.size).toBe(50);
  });

  it('makes keys that bearerKey accepts', () => {
    const key = newApiKey('ingest');

    expect(bearerKey(`Bearer ${key}`)).toBe(key);
  });
});

describe('bearerKey', () => {
  const key = `rl_admin_${'x'.repeat(43)}`;

  it('extracts the key from a Bearer header, tolerating surrounding and inner spaces', () => {
    expect(bearerKey(`Bearer ${key}`)).toBe(key);
    expect(bearerKey(`  Bearer   ${key}  `)).toBe(key);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['Basic auth', `Basic ${key}`],
    ['no scheme', key],
    ['no key', 'Bearer '],
    ['a key without the rl_ prefix', `Bearer xx_admin_${'x'.repeat(43)}`],
    ['a key with an upper-case role', `Bearer rl_ADMIN_${'x'.repeat(43)}`],
    ['a key one character short', `Bearer rl_admin_${'x'.repeat(42)}`],
    ['a key one character long', `Bearer rl_admin_${'x'.repeat(44)}`],
    ['a key with a non-base64url character', `Bearer rl_admin_${'x'.repeat(42)}+`],
    ['a trailing extra token', `Bearer ${key} extra`],
  ])('rejects %s', (_label, header) => {
    expect(bearerKey(header)).toBeUndefined();
  });
});

describe('hashApiKey', () => {
  it('is the hex SHA-256 of the key', () => {
    const key = newApiKey('admin');

    const hash = hashApiKey(key);

    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHash('sha256').update(key, 'utf8').digest('hex'));
  });

  it('matches a known SHA-256 vector', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('differs between keys and does not contain the key', () => {
    const a = newApiKey('admin');
    const b = newApiKey('admin');

    expect(hashApiKey(a)).not.toBe(hashApiKey(b));
    expect(hashApiKey(a)).not.toContain(a.slice(9));
  });
});

describe('allowedResources', () => {
  const modelReads = [
    `${stageArn}/GET/v1/risk-models`,
    `${stageArn}/POST/v1/risk-models/validate`,
    `${stageArn}/POST/v1/risk-models/simulate`,
    `${stageArn}/GET/v1/risk-models/*/versions/*`,
    `${stageArn}/GET/v1/risk-models/*/versions/*/document`,
    `${stageArn}/GET/v1/risk-models/*/versions/*/diff/*`,
    `${stageArn}/GET/v1/scoring-models`,
    `${stageArn}/GET/v1/scoring-models/feature-layout`,
    `${stageArn}/GET/v1/scoring-models/*/document`,
    `${stageArn}/POST/v1/reports/clusters`,
    `${stageArn}/GET/v1/feedback/nps`,
    `${stageArn}/GET/v1/feedback/blind-spots`,
    // Where a job is (training today): every role that reads models.
    `${stageArn}/GET/v1/jobs`,
    `${stageArn}/GET/v1/jobs/*`,
  ];
  // KPIs and query API (issue 7): every reading role.
  const insights = [
    `${stageArn}/GET/v1/insights/summary`,
    `${stageArn}/GET/v1/insights/capture-curve`,
    `${stageArn}/GET/v1/insights/incidents`,
    `${stageArn}/GET/v1/insights/cases`,
    `${stageArn}/GET/v1/insights/feedback`,
    `${stageArn}/GET/v1/insights/model-timeline`,
    `${stageArn}/GET/v1/insights/segments/*/customers`,
    `${stageArn}/GET/v1/customers/*/history`,
  ];
  // Every reading role may ask; the segment policy of the customer then decides (and it is audited).
  const personalData = `${stageArn}/POST/v1/customers/personal-data`;
  // External id → pseudonym (the CLI's `explain`), for every reading role.
  const lookup = `${stageArn}/POST/v1/customers/lookup`;
  // The four-eyes inbox, for every role that decides requests.
  const approvalInbox = [`${stageArn}/GET/v1/approvals`, `${stageArn}/GET/v1/approvals/*`];
  const expected: Record<Role, string[]> = {
    analyst: [
      `${stageArn}/GET/v1/customers/*/segment`,
      `${stageArn}/GET/v1/segments`,
      ...modelReads,
      ...insights,
      personalData,
      lookup,
    ],
    ingest: [`${stageArn}/POST/v1/customers`, `${stageArn}/POST/v1/transactions`],
    compliance: [
      `${stageArn}/GET/v1/customers/*/segment`,
      `${stageArn}/GET/v1/segments`,
      ...modelReads,
      `${stageArn}/PUT/v1/customers/*/pin`,
      `${stageArn}/DELETE/v1/customers/*/pin`,
      `${stageArn}/POST/v1/audit-outcomes`,
      `${stageArn}/GET/v1/audit/verification`,
      `${stageArn}/GET/v1/cases`,
      `${stageArn}/POST/v1/cases`,
      `${stageArn}/GET/v1/cases/*`,
      `${stageArn}/POST/v1/cases/*/transitions`,
      // The segment register export, for an auditor.
      `${stageArn}/POST/v1/exports/segments`,
      `${stageArn}/POST/v1/audit/verifications`,
      `${stageArn}/GET/v1/jobs/*/rows`,
      `${stageArn}/POST/v1/approvals/pins/*`,
      ...approvalInbox,
      ...insights,
      personalData,
      lookup,
    ],
    admin: [
      `${stageArn}/POST/v1/customers`,
      `${stageArn}/POST/v1/transactions`,
      `${stageArn}/GET/v1/customers/*/segment`,
      `${stageArn}/GET/v1/segments`,
      ...modelReads,
      `${stageArn}/POST/v1/risk-models`,
      `${stageArn}/POST/v1/risk-models/*/versions/*/publish`,
      `${stageArn}/POST/v1/risk-models/*/versions/*/retire`,
      `${stageArn}/POST/v1/audit-outcomes`,
      `${stageArn}/POST/v1/scoring-models`,
      `${stageArn}/POST/v1/scoring-models/*/publish`,
      `${stageArn}/POST/v1/scoring-models/import`,
      `${stageArn}/POST/v1/jobs/*/cancel`,
      `${stageArn}/POST/v1/webhooks/surveys/*/secrets`,
      `${stageArn}/GET/v1/audit/verification`,
      `${stageArn}/GET/v1/cases`,
      `${stageArn}/GET/v1/cases/*`,
      `${stageArn}/POST/v1/resegmentation-runs`,
      `${stageArn}/GET/v1/resegmentation-runs/*`,
      `${stageArn}/POST/v1/exports/segments`,
      `${stageArn}/GET/v1/jobs/*/rows`,
      `${stageArn}/POST/v1/audit/verifications`,
      `${stageArn}/POST/v1/approvals/risk-models/*`,
      `${stageArn}/POST/v1/approvals/scoring-models/*`,
      `${stageArn}/POST/v1/approvals/webhook-secrets/*`,
      ...approvalInbox,
      ...insights,
      personalData,
      lookup,
    ],
    // The privacy officer: data subject rights (and deciding on lifting a legal hold), nothing else.
    privacy: [
      `${stageArn}/POST/v1/subjects/erasure`,
      `${stageArn}/POST/v1/subjects/export`,
      `${stageArn}/POST/v1/approvals/erasures/*`,
      ...approvalInbox,
      personalData,
    ],
  };

  it.each(roles)('gives %s exactly its routes from the manifest', (role) => {
    const resources = allowedResources(stageArn, role, routes);

    expect([...resources].sort()).toEqual([...expected[role]].sort());
  });

  it('covers every manifest route for some role; admin all but officer actions and data subject rights', () => {
    const resources = allowedResources(stageArn, 'admin', routes);
    // Signed webhooks and public content have no authoriser, so they are in no role's policy.
    const open = routes.filter((r) => r.auth === 'signature' || r.auth === 'public');
    const notAdmin = routes.filter((r) => !open.includes(r) && !r.roles.includes('admin'));

    expect(new Set(resources).size).toBe(resources.length);
    expect(resources).toHaveLength(routes.length - open.length - notAdmin.length);
    // Deliberately not admin's: decisions that belong to a named officer.
    expect(notAdmin.map((r) => `${r.method} ${r.path} ${r.roles.join('+')}`).sort()).toEqual([
      'DELETE /v1/customers/{pseudonym}/pin compliance',
      'POST /v1/approvals/erasures/{approvalId} privacy',
      'POST /v1/approvals/pins/{approvalId} compliance',
      'POST /v1/cases compliance',
      'POST /v1/cases/{caseId}/transitions compliance',
      'POST /v1/subjects/erasure privacy',
      'POST /v1/subjects/export privacy',
      'PUT /v1/customers/{pseudonym}/pin compliance',
    ]);
    for (const role of roles) expect(allowedResources(stageArn, role, routes).length).toBeGreaterThan(0);
  });
});

describe('policyAllows', () => {
  const analyst = allowedResources(stageArn, 'analyst', routes);
  const ingest = allowedResources(stageArn, 'ingest', routes);

  it('allows a pseudonym in the {pseudonym} segment', () => {
    expect(policyAllows(analyst, `${stageArn}/GET/v1/customers/${pseudonym}/segment`)).toBe(true);
  });

  it('allows an exact route', () => {
    expect(policyAllows(analyst, `${stageArn}/GET/v1/segments`)).toBe(true);
    expect(policyAllows(ingest, `${stageArn}/POST/v1/transactions`)).toBe(true);
  });

  it.each([
    ['an extra segment inside the wildcard', `${stageArn}/GET/v1/customers/a/b/segment`],
    ['an empty wildcard segment', `${stageArn}/GET/v1/customers//segment`],
    ['a trailing extra segment', `${stageArn}/GET/v1/segments/extra`],
    ['a trailing slash', `${stageArn}/GET/v1/segments/`],
    ['another method', `${stageArn}/POST/v1/segments`],
    ['another method on the wildcard route', `${stageArn}/DELETE/v1/customers/${pseudonym}/segment`],
    ['a route of another role', `${stageArn}/POST/v1/customers`],
    ['another stage', 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/v1/segments'],
    ['another API', 'arn:aws:execute-api:eu-west-1:123456789012:zzz999/prod/GET/v1/segments'],
  ])('denies %s', (_label, methodArn) => {
    expect(policyAllows(analyst, methodArn)).toBe(false);
  });

  it('treats dots in the ARN literally, not as regex wildcards', () => {
    const resources = [`${stageArn}/GET/v1/a.b`];

    expect(policyAllows(resources, `${stageArn}/GET/v1/a.b`)).toBe(true);
    expect(policyAllows(resources, `${stageArn}/GET/v1/aXb`)).toBe(false);
  });

  it('allows nothing with no resources', () => {
    expect(policyAllows([], `${stageArn}/GET/v1/segments`)).toBe(false);
  });
});

describe('four-eyes decision routes', () => {
  it('are decided by exactly the roles the inbox shows them to', () => {
    const decisions = httpRoutes()
      .map((r) => r.route)
      .filter((r) => r.method === 'POST' && r.path.startsWith('/v1/approvals/'));
    expect(Object.fromEntries(decisions.map((r) => [r.path.split('/')[3], [...r.roles]]))).toEqual(
      approvalDeciders,
    );
  });
});
