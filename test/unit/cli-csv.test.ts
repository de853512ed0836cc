import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError, parseCsv } from '../../cli/csv.js';
import { checkHeader, kindOfHeader, rowToRecord } from '../../cli/records.js';

describe('parseCsv', () => {
  it('reads quoted fields with embedded commas, quotes and line breaks', () => {
    const records = parseCsv('a,b,c\n"x, y","say ""hi""","two\nlines"\nplain,,end\n');

    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      // The quoted line break moved this record one physical line down.
      { line: 4, fields: ['plain', '', 'end'] },
    ]);
  });

  it('drops a UTF-8 byte-order mark and accepts CRLF line ends', () => {
    const records = parseCsv('\uFEFFexternalId,type\r\nC-1,individual\r\nC-2,corporate\r\n');

    expect(records).toEqual([
      { line: 1, fields: ['externalId', 'type'] },
      { line: 2, fields: ['C-1', 'individual'] },
      { line: 3, fields: ['C-2', 'corporate'] },
    ]);
  });

  it('skips blank lines but keeps counting them', () => {
    expect(parseCsv('a\n\n\nb')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries (CRLF and quotes split across chunks)', () => {
    const text = 'id,note\r\n1,"a ""quoted"", text"\r\n2,"multi\r\nline"\r\n3,last';
    const whole = parseCsv(text);
    const parser = new CsvParser();
    const split = [...text].flatMap((c) => parser.push(c));

    expect([...split, ...parser.end()]).toEqual(whole);
    expect(whole.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });

  it('rejects an unclosed quote and a stray quote, naming the line', () => {
    expect(() => parseCsv('a\n"open')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a\nx"y')).toThrow(/line 2/);
    expect(() => parseCsv('a\n"x"y')).toThrow(/line 2/);
  });
});

describe('CSV columns → API records', () => {
  const header = [
    'externalId',
    'type',
    'jurisdictions',
    'personalData.email',
    'flags.pep',
    'flags.priorIncidents',
    'attributes.employees',
    'lawfulBasis.risk_assessment.basis',
  ];

  it('builds nested records with typed values and leaves empty cells out', () => {
    const shaped = rowToRecord('customers', header, [
      'C-1',
      'corporate',
      'DE; FR',
      '',
      'yes',
      '2',
      '120',
      'legal_obligation',
    ]);

    expect(shaped).toEqual({
      ok: true,
      record: {
        externalId: 'C-1',
        type: 'corporate',
        jurisdictions: ['DE', 'FR'],
        flags: { pep: true, priorIncidents: 2 },
        attributes: { employees: 120 },
        lawfulBasis: { risk_assessment: { basis: 'legal_obligation' } },
      },
    });
  });

  it('reports unreadable cells by column, never by value', () => {
    const shaped = rowToRecord('customers', header, ['C-1', 'individual', 'DE', '', 'perhaps', 'x', '', '']);

    expect(shaped.ok).toBe(false);
    if (shaped.ok) return;
    expect(shaped.error.code).toBe('CSV_INVALID_VALUE');
    expect(shaped.error.details.map((d) => d.path)).toEqual(['flags.pep', 'flags.priorIncidents']);
    expect(JSON.stringify(shaped.error)).not.toContain('perhaps');
  });

  it('reports a row with the wrong number of fields', () => {
    const shaped = rowToRecord('customers', header, ['C-1', 'individual']);

    expect(shaped.ok ? undefined : shaped.error.code).toBe('CSV_COLUMN_COUNT');
  });

  it('knows transactions by their header and rejects unknown or repeated columns', () => {
    expect(kindOfHeader(['transactionId', 'amount'])).toBe('transactions');
    expect(kindOfHeader(['externalId'])).toBe('customers');
    expect(checkHeader('customers', header)).toEqual([]);
    expect(checkHeader('customers', ['externalId', 'emial', 'externalId'])).toEqual([
      'unknown column "emial" for customers (see docs/cli.md)',
      'column "externalId" appears twice',
    ]);
    expect(checkHeader('transactions', ['transactionId', 'amount', 'personalData.name'])).toHaveLength(1);
  });

  it('types transaction amounts as numbers', () => {
    const shaped = rowToRecord('transactions', ['transactionId', 'amount'], ['T-1', '9800.50']);

    expect(shaped).toEqual({ ok: true, record: { transactionId: 'T-1', amount: 9800.5 } });
  });
});
