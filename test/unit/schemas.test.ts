import { describe, expect, it } from 'vitest';
import { checkLawfulBasis } from '../../shared/domain/lawful-basis.js';
import {
  countryCode,
  currencyCode,
  customerBatch,
  customerRecord,
  personalData,
  transactionBatch,
  transactionRecord,
} from '../../shared/domain/schemas.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { lawfulBasis } from '../helpers/fixtures.js';

const MARKER = 'zq-MARKER-7731';

function validCustomer() {
  return {
    externalId: 'C-1001',
    type: 'individual',
    personalData: {
      name: 'Ada Example',
      email: 'ada@example.com',
      phone: '+442071234567',
      dateOfBirth: '1990-04-01',
      address: { line1: '1 Example Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
    },
    jurisdictions: ['GB', 'IE'],
    attributes: { segmentHint: 'retail', accounts: 2, verified: true },
    flags: { pep: false, sanctionsHit: false, adverseMedia: false, priorIncidents: 0 },
    lawfulBasis,
  };
}

function validTransaction() {
  return {
    transactionId: 'T-1',
    customerExternalId: 'C-1001',
    amount: 9800,
    currency: 'EUR',
    timestamp: '2026-11-20T10:00:00Z',
    direction: 'inbound',
    counterpartyCountry: 'IR',
    paymentMethod: 'cash',
  };
}

const issuePaths = (result: { success: boolean; error?: { issues: { path: (string | number)[] }[] } }) => [
  ...new Set((result.error?.issues ?? []).map((i) => i.path.join('.'))),
];

describe('customerRecord', () => {
  it('accepts a complete, valid customer', () => {
    const result = customerRecord.safeParse(validCustomer());

    expect(result.success).toBe(true);
    expect(result.data?.personalData?.address?.country).toBe('GB');
  });

  it('accepts a minimal customer without personal data', () => {
    const { personalData: _p, attributes: _a, flags: _f, ...minimal } = validCustomer();

    expect(customerRecord.safeParse(minimal).success).toBe(true);
  });

  it('rejects an unknown top-level field instead of stripping it', () => {
    const result = customerRecord.safeParse({ ...validCustomer(), lawfullBasis: {} });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('rejects an unknown field inside personalData', () => {
    const record = validCustomer();
    const result = customerRecord.safeParse({
      ...record,
      personalData: { ...record.personalData, nationalId: 'AB123456C' },
    });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['personalData']);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('rejects an unknown field inside the address', () => {
    const record = validCustomer();
    const result = customerRecord.safeParse({
      ...record,
      personalData: { ...record.personalData, address: { ...record.personalData.address, floor: '3' } },
    });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['personalData.address']);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('rejects an unknown field inside a lawful basis entry', () => {
    const record = validCustomer();
    const result = customerRecord.safeParse({
      ...record,
      lawfulBasis: { risk_assessment: { ...record.lawfulBasis.risk_assessment, notes: 'x' } },
    });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['lawfulBasis.risk_assessment']);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('rejects an unknown field inside flags', () => {
    const result = customerRecord.safeParse({ ...validCustomer(), flags: { sanctions: true } });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['flags']);
  });

  it('lets a record without any lawfulBasis through, so the lawful-basis check names what is missing', () => {
    // Prepare
    const { lawfulBasis: _l, ...withoutBasis } = validCustomer();

    // Act
    const result = customerRecord.safeParse(withoutBasis);

    // Assess: read as no purpose recorded, the documented LAWFUL_BASIS_MISSING (not VALIDATION_FAILED)
    expect(result.success).toBe(true);
    expect(result.data?.lawfulBasis).toEqual({});
    const check = checkLawfulBasis(result.data?.lawfulBasis ?? {}, 'risk_assessment', new Date());
    expect(check).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_MISSING' });
  });

  it('still refuses a lawfulBasis that is not a map of purposes', () => {
    for (const lawfulBasis of [null, 'legal_obligation', []]) {
      const result = customerRecord.safeParse({ ...validCustomer(), lawfulBasis });
      expect(issuePaths(result)).toEqual(['lawfulBasis']);
    }
  });

  it('rejects an unknown purpose in lawfulBasis', () => {
    const record = validCustomer();
    const result = customerRecord.safeParse({
      ...record,
      lawfulBasis: { profiling: record.lawfulBasis.risk_assessment },
    });

    expect(result.success).toBe(false);
  });

  it.each([
    ['an unknown code', 'XX'],
    ['the EU', 'EU'],
    ['the UN', 'UN'],
    ['lower case', 'gb'],
    ['mixed case', 'Gb'],
    ['a numeric region', '840'],
  ])('rejects %s as a jurisdiction', (_label, code) => {
    const result = customerRecord.safeParse({ ...validCustomer(), jurisdictions: [code] });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['jurisdictions.0']);
  });

  it.each(['GB', 'DE', 'IR', 'XK', 'US'])('accepts the country code %s', (code) => {
    expect(countryCode.safeParse(code).success).toBe(true);
  });

  it('rejects a bad country code in the address', () => {
    const record = validCustomer();
    const result = customerRecord.safeParse({
      ...record,
      personalData: { ...record.personalData, address: { ...record.personalData.address, country: 'XX' } },
    });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['personalData.address.country']);
  });

  it('needs between 1 and 10 jurisdictions', () => {
    expect(customerRecord.safeParse({ ...validCustomer(), jurisdictions: [] }).success).toBe(false);
    expect(
      customerRecord.safeParse({ ...validCustomer(), jurisdictions: Array(10).fill('GB') }).success,
    ).toBe(true);
    expect(
      customerRecord.safeParse({ ...validCustomer(), jurisdictions: Array(11).fill('GB') }).success,
    ).toBe(false);
  });

  it.each(['+442071234567', '+12025550123', '+4915123456789'])('accepts the E.164 phone %s', (phone) => {
    const record = validCustomer();

    const result = customerRecord.safeParse({ ...record, personalData: { ...record.personalData, phone } });

    expect(result.success).toBe(true);
  });

  it.each([
    ['no plus sign', '442071234567'],
    ['a leading zero country code', '+0442071234567'],
    ['spaces', '+44 20 7123 4567'],
    ['too short', '+441234'],
    ['too long', '+4420712345678901'],
  ])('rejects a phone number with %s', (_label, phone) => {
    const record = validCustomer();

    const result = customerRecord.safeParse({ ...record, personalData: { ...record.personalData, phone } });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['personalData.phone']);
  });
});

describe('transactionRecord', () => {
  it('accepts a valid transaction', () => {
    expect(transactionRecord.safeParse(validTransaction()).success).toBe(true);
  });

  it('rejects an unknown field', () => {
    const result = transactionRecord.safeParse({ ...validTransaction(), memo: 'rent' });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it.each(['XXX', 'BTC', 'eur', 'EURO'])('rejects the unsupported currency %s', (currency) => {
    const result = transactionRecord.safeParse({ ...validTransaction(), currency });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['currency']);
  });

  it.each(['EUR', 'USD', 'GBP'])('accepts the configured currency %s', (currency) => {
    expect(currencyCode.safeParse(currency).success).toBe(true);
  });

  it.each(['EU', 'XX', 'ir'])('rejects the counterparty country %s', (counterpartyCountry) => {
    const result = transactionRecord.safeParse({ ...validTransaction(), counterpartyCountry });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['counterpartyCountry']);
  });

  it.each([0, -1])('rejects the non-positive amount %i', (amount) => {
    expect(transactionRecord.safeParse({ ...validTransaction(), amount }).success).toBe(false);
  });

  it('rejects a timestamp without an offset', () => {
    const result = transactionRecord.safeParse({ ...validTransaction(), timestamp: '2026-11-20 10:00' });

    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['timestamp']);
  });
});

describe('batch envelopes', () => {
  const customers = (n: number) => ({ records: Array.from({ length: n }, () => ({})) });
  const transactions = (n: number) => ({ transactions: Array.from({ length: n }, () => ({})) });

  it.each([
    [0, false],
    [1, true],
    [100, true],
    [101, false],
  ])('customer batch of %i records: accepted=%s', (n, ok) => {
    expect(customerBatch.safeParse(customers(n)).success).toBe(ok);
  });

  it.each([
    [0, false],
    [1, true],
    [500, true],
    [501, false],
  ])('transaction batch of %i transactions: accepted=%s', (n, ok) => {
    expect(transactionBatch.safeParse(transactions(n)).success).toBe(ok);
  });

  it('rejects unknown fields next to records', () => {
    expect(customerBatch.safeParse({ ...customers(1), dryRun: true }).success).toBe(false);
  });

  it('describes batch-size errors without values', () => {
    const result = customerBatch.safeParse(customers(101));

    const details = toErrorDetails(result.error?.issues ?? []);

    expect(details).toEqual([{ path: 'records', code: 'too_big', message: 'At most 100 item(s)' }]);
  });
});

describe('personalData.email: internationalised addresses (RFC 6531) in, garbage out', () => {
  const email = (value: string) => personalData.safeParse({ email: value });

  it('accepts non-ASCII local parts and internationalised domains, in U-label or A-label form', () => {
    for (const address of [
      'ada@example.com',
      "o'brien+tag@sub.example.co.uk",
      'jürgen@bücher.de',
      'Jürgen@Bücher.DE',
      'jürgen@xn--bcher-kva.de',
      '用户@例子.广告',
      'δοκιμή@παράδειγμα.δοκιμή',
      'अजय@डाटा.भारत',
      'двеня@пример.рф',
    ])
      expect(email(address).success, address).toBe(true);
  });

  it('refuses what is no address, naming the field but not the value', () => {
    for (const address of [
      'not-an-email',
      'x@@example.com',
      'a b@example.com',
      '.a@example.com',
      'a..b@example.com',
      '"quoted"@example.com',
      'a@b',
      'a@example.c',
      'a@example.123',
      'a@-example.com',
      'a@exa_mple.com',
      'a@[192.0.2.1]',
      'a@example.com.',
      'a@b%C3%BCcher.de',
      'a@xn--zz.de',
      'a\u202e@example.com',
      'a@exa\u200bmple.com',
      'a@ｅｘａｍｐｌｅ．com',
    ]) {
      const result = email(address);
      expect(result.success, address).toBe(false);
      expect(toErrorDetails(result.error?.issues ?? [])).toEqual([
        { path: 'email', code: 'invalid_string', message: 'Invalid format (email)' },
      ]);
    }
  });

  it('keeps the 254 limit, in bytes: a long non-ASCII address is too long even under 254 characters', () => {
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.de`; // 194 characters
    const ascii = `${'a'.repeat(254 - domain.length - 1)}@${domain}`;
    expect(email(ascii).success).toBe(true);
    expect(email(`a${ascii}`).error?.issues[0]?.code).toBe('too_big');

    expect(email(`${'ü'.repeat(25)}@${domain}`).success).toBe(true); // 220 characters, 245 bytes
    const tooLong = `${'ü'.repeat(31)}@${domain}`; // 226 characters, 257 bytes
    expect(toErrorDetails(email(tooLong).error?.issues ?? [])).toEqual([
      { path: 'email', code: 'too_big', message: 'Too long or too large (max 254)' },
    ]);
  });
});

describe('toErrorDetails', () => {
  it('names nested fields as dotted paths with array indices, after the prefix', () => {
    // Prepare
    const record = validCustomer();
    const result = customerRecord.safeParse({
      ...record,
      personalData: { ...record.personalData, email: 'not-an-email' },
    });

    // Act
    const details = toErrorDetails(result.error?.issues ?? [], 'records[0]');

    // Assess
    expect(details).toEqual([
      { path: 'records[0].personalData.email', code: 'invalid_string', message: 'Invalid format (email)' },
    ]);
  });

  it('names paths without a prefix and with array indices in brackets', () => {
    const result = customerRecord.safeParse({ ...validCustomer(), jurisdictions: ['GB', 'XX'] });

    const details = toErrorDetails(result.error?.issues ?? []);

    expect(details.map((d) => d.path)).toEqual(['jurisdictions[1]']);
  });

  it('starts a path with a bracket when the issue is at an array index', () => {
    const details = toErrorDetails([{ code: 'custom', path: [2, 'email'], message: 'Bad' }]);

    expect(details).toEqual([{ path: '[2].email', code: 'custom', message: 'Bad' }]);
  });

  it('names the root when the issue has no path', () => {
    const result = customerRecord.safeParse('a string');

    const details = toErrorDetails(result.error?.issues ?? []);

    expect(details).toEqual([{ path: '(root)', code: 'invalid_type', message: 'Expected object' }]);
  });

  it('says Required for a missing field', () => {
    const { externalId: _e, ...record } = validCustomer();

    const details = toErrorDetails(customerRecord.safeParse(record).error?.issues ?? []);

    expect(details).toEqual([{ path: 'externalId', code: 'invalid_type', message: 'Required' }]);
  });

  it('names unknown fields, which are schema vocabulary and not values', () => {
    const details = toErrorDetails(
      customerRecord.safeParse({ ...validCustomer(), nickname: MARKER }).error?.issues ?? [],
    );

    expect(details).toEqual([
      { path: '(root)', code: 'unrecognized_keys', message: 'Unknown field(s): nickname' },
    ]);
    expect(JSON.stringify(details)).not.toContain(MARKER);
  });

  it.each([
    ['an enum value', (r: ReturnType<typeof validCustomer>) => ({ ...r, type: MARKER }), 'type'],
    [
      'an email',
      (r: ReturnType<typeof validCustomer>) => ({ ...r, personalData: { ...r.personalData, email: MARKER } }),
      'personalData.email',
    ],
    [
      'a phone number',
      (r: ReturnType<typeof validCustomer>) => ({ ...r, personalData: { ...r.personalData, phone: MARKER } }),
      'personalData.phone',
    ],
    [
      'a date of birth',
      (r: ReturnType<typeof validCustomer>) => ({
        ...r,
        personalData: { ...r.personalData, dateOfBirth: MARKER },
      }),
      'personalData.dateOfBirth',
    ],
    [
      'a too-long name',
      (r: ReturnType<typeof validCustomer>) => ({
        ...r,
        personalData: { ...r.personalData, name: MARKER.repeat(30) },
      }),
      'personalData.name',
    ],
    [
      'a wrong type',
      (r: ReturnType<typeof validCustomer>) => ({ ...r, flags: { pep: MARKER } }),
      'flags.pep',
    ],
    [
      'a lawful basis',
      (r: ReturnType<typeof validCustomer>) => ({
        ...r,
        lawfulBasis: { risk_assessment: { ...r.lawfulBasis.risk_assessment, basis: MARKER } },
      }),
      'lawfulBasis.risk_assessment.basis',
    ],
    [
      'a country code',
      (r: ReturnType<typeof validCustomer>) => ({ ...r, jurisdictions: ['qj'] }),
      'jurisdictions[0]',
    ],
  ])('never echoes %s it rejects', (_label, mutate, path) => {
    // Prepare
    const result = customerRecord.safeParse(mutate(validCustomer()));
    expect(result.success).toBe(false);

    // Act
    const details = toErrorDetails(result.error?.issues ?? [], 'records[3]');

    // Assess
    expect(details.map((d) => d.path)).toContain(`records[3].${path}`);
    expect(JSON.stringify(details)).not.toContain(MARKER);
    expect(JSON.stringify(details)).not.toContain('qj');
  });

  it('does not pass on zod messages, which do echo the value', () => {
    const result = customerRecord.safeParse({ ...validCustomer(), type: MARKER });
    expect(JSON.stringify(result.error?.issues)).toContain(MARKER);

    const details = toErrorDetails(result.error?.issues ?? []);

    expect(JSON.stringify(details)).not.toContain(MARKER);
  });

  it('lists enum options rather than the received value', () => {
    const details = toErrorDetails(
      customerRecord.safeParse({ ...validCustomer(), type: MARKER }).error?.issues ?? [],
    );

    expect(details).toEqual([
      { path: 'type', code: 'invalid_enum_value', message: 'Expected one of: individual, corporate' },
    ]);
  });
});
