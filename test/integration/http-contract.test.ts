import { describe, expect, it } from 'vitest';
import { api, lawfulBasis } from '../helpers/local.js';

describe('HTTP contract: authentication, authorisation, limits, error shape', () => {
  it('answers 401 without or with a wrong key, in the error shape', async () => {
    const none = await api('none', 'GET', '/v1/segments');
    const wrong = await api('none', 'GET', '/v1/segments', undefined, {
      authorization: `Bearer rl_admin_${'x'.repeat(43)}`,
    });
    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(none.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String), details: [] } });
  });

  it('enforces roles per route: analysts cannot ingest, ingest keys cannot read segments', async () => {
    const ingestAsAnalyst = await api('analyst', 'POST', '/v1/customers', { records: [] });
    const readAsIngest = await api('ingest', 'GET', '/v1/segments');
    const readAsAdmin = await api('admin', 'GET', '/v1/segments');
    expect(ingestAsAnalyst.status).toBe(403);
    expect(readAsIngest.status).toBe(403);
    expect(readAsAdmin.status).toBe(200);
  });

  it('rejects malformed, oversized, wrongly typed and out-of-bounds batches with 4xx JSON errors', async () => {
    const malformed = await api('ingest', 'POST', '/v1/customers', '{"records": [');
    const wrongType = await api('ingest', 'POST', '/v1/customers', 'records=1', {
      'content-type': 'text/plain',
    });
    const empty = await api('ingest', 'POST', '/v1/customers', { records: [] });
    const tooMany = await api('ingest', 'POST', '/v1/customers', {
      records: Array.from({ length: 101 }, () => ({})),
    });
    const unknownField = await api('ingest', 'POST', '/v1/customers', { records: [{}], extra: true });
    const huge = await api('ingest', 'POST', '/v1/customers', {
      records: [{ externalId: 'x'.repeat(1_100_000) }],
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION_FAILED');
    expect(wrongType.status).toBe(415);
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0]).toMatchObject({ path: 'records', code: 'too_small' });
    expect(tooMany.status).toBe(400);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.details[0].message).toContain('extra');
    expect(huge.status).toBe(413);
  });

  it('validates each record on its own and never echoes submitted values in errors', async () => {
    const secretEmail = 'not-an-email-ZQX@@example';
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [
        {
          externalId: 'V-1',
          type: 'robot',
          personalData: { email: secretEmail, phone: '0044 12' },
          jurisdictions: ['XX'],
          lawfulBasis,
        },
      ],
    });
    expect(res.status).toBe(207);
    const paths = res.body.results[0].details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['type', 'personalData.email', 'personalData.phone', 'jurisdictions[0]']),
    );
    expect(JSON.stringify(res.body)).not.toContain('ZQX');
    expect(JSON.stringify(res.body)).not.toContain('robot');
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses the key with another body', async () => {
    // Prepare
    const key = `idem-${Math.random().toString(36).slice(2)}`;
    const body = {
      records: [{ externalId: `I-${key}`, type: 'individual', jurisdictions: ['AT'], lawfulBasis }],
    };

    // Act
    const first = await api('ingest', 'POST', '/v1/customers', body, { 'Idempotency-Key': key });
    const retry = await api('ingest', 'POST', '/v1/customers', body, { 'idempotency-key': key });
    const other = await api(
      'ingest',
      'POST',
      '/v1/customers',
      { records: [{ ...body.records[0], jurisdictions: ['CH'] }] },
      { 'Idempotency-Key': key },
    );
    const bad = await api('ingest', 'POST', '/v1/customers', body, { 'Idempotency-Key': 'has space' });

    // Assess
    expect(first.status).toBe(207);
    expect(first.body.results[0].status).toBe('accepted');
    // Without the key this retry would say "duplicate"; with it, the stored first answer comes back.
    expect(retry.status).toBe(207);
    expect(retry.body).toEqual(first.body);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(bad.status).toBe(400);
  });

  it('rejects a malformed pseudonym and answers 404 for an unknown one', async () => {
    const bad = await api('analyst', 'GET', '/v1/customers/someone@example.com/segment');
    const unknown = await api('analyst', 'GET', `/v1/customers/k1.${'A'.repeat(43)}/segment`);
    const noRoute = await api('analyst', 'GET', '/v1/nothing');
    expect(bad.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(noRoute.status).toBe(404);
  });
});
