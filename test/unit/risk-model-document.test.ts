import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  loadDefaultModel,
  type ModelRule,
  type RiskModel,
  renderModelDocument,
} from '../../shared/domain/risk-model/index.js';

function variant(edit: (m: RiskModel) => void): RiskModel {
  const m = structuredClone(loadDefaultModel());
  edit(m);
  return m;
}

function withRules(...conditions: string[]): RiskModel {
  return variant((m) => {
    m.rules = conditions.map(
      (when, i): ModelRule => ({ id: `r${i}`, when, points: 1, reasonCode: 'R', description: 'd' }),
    );
  });
}

/** The plain-language sentence of each rule, in order. */
function sentences(markdown: string): string[] {
  return markdown.split('\n').filter((l) => /^(Fires |Never fires)/.test(l));
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, end < 0 ? undefined : end + 1);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('renderModelDocument: the default model', () => {
  const model = loadDefaultModel();
  const doc = renderModelDocument(model, {
    approvedBy: 'head-of-compliance',
    publishedAt: '2025-11-02T08:00:00Z',
  });

  it('has the title, metadata and every section', () => {
    expect(doc.startsWith('# Risk model `aml-default`, version 1 (published)\n')).toBe(true);
    expect(doc).toContain('- **Author:** riskloop\n');
    expect(doc).toContain(`- **Change note:** ${model.metadata.changeNote}\n`);
    expect(doc).toContain('- **Created:** 2025-11-01T00:00:00Z\n');
    expect(doc).toContain('- **Approved by:** head-of-compliance\n');
    expect(doc).toContain('- **Published at:** 2025-11-02T08:00:00Z\n');
    const headings = doc.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual([
      '## Metadata',
      '## How the segment is decided',
      '## Variables',
      '## Rules',
      '## Score bands',
      '## Reference lists',
    ]);
    expect(doc.endsWith('\n')).toBe(true);
    expect(doc).not.toContain('\r');
  });

  it('tabulates every variable with its source, missing-value policy and protected flag', () => {
    const table = section(doc, 'Variables');
    for (const v of model.variables) expect(table).toContain(`| \`${v.name}\` | `);
    expect(table).toContain(
      '| `isPep` | boolean | binary | profile: `flags.pep` | use `false` | no | The customer, a beneficial owner or a close associate is a politically exposed person. |',
    );
    expect(table).toContain(
      '| `volume90d` | number | numeric | transactions: `volume90d` | skip the rules that use it | no |',
    );
    // Feedback is never a predictive model's input, so it has no scale.
    expect(table).toContain('| `npsScore` | number | - | feedback: `npsScore` |');
    expect(table).toContain(
      '| `age` | number | numeric | profile: `attributes.age` | skip the rules that use it | yes |',
    );
    expect(table).toContain(
      '| `jurisdictions` | list\\<string\\> | set, levels from training | profile: `jurisdictions` | use `[]` | no |',
    );
  });

  it('states each rule in plain language with points, reason code, override and its CEL', () => {
    expect(sentences(doc)).toEqual([
      'Fires when `sanctionsHit` is true.',
      'Fires when `isPep` is true.',
      'Fires when `adverseMedia` is true.',
      'Fires when at least one value of `jurisdictions` is in the list `highRiskCountries`.',
      'Fires when `highRiskCountryCount90d` is at least 2.',
      'Fires when `priorIncidents` is at least 1.',
      'Fires when `customerType` is "corporate".',
      'Fires when `volume90d` is greater than (2,000,000 if `customerType` is "corporate", otherwise 150,000).',
      'Fires when `count30d` is greater than 300 or (`count30d` is greater than 100 and `volume30d` is greater than 50,000).',
      'Fires when `cashShare90d` is at least 0.5 and `volume90d` is at least 10,000.',
      'Fires when `cryptoShare90d` is at least 0.3.',
      'Fires when `nearThresholdCashCount30d` is at least 3.',
    ]);
    const rules = section(doc, 'Rules');
    expect(rules).toContain(
      [
        '### 1. `sanctions-hit`',
        '',
        'Fires when `sanctionsHit` is true.',
        '',
        '- **Points:** +50',
        '- **Reason code:** `SANCTIONS_HIT`',
        '- **Description:** Confirmed sanctions match: always critical (senior approval or exit), whatever the score.',
        '- **Override:** when it fires, the segment is at least `critical`, whatever the score.',
        '- **CEL expression:** `sanctionsHit`',
      ].join('\n'),
    );
    expect(rules).toContain(
      '- **Missing data:** the rule does not fire when `count30d` or `volume30d` is missing.\n',
    );
    for (const r of model.rules) {
      expect(rules).toContain(`- **Reason code:** \`${r.reasonCode}\`\n`);
      expect(rules).toContain(`- **CEL expression:** \`${r.when}\`\n`);
    }
  });

  it('tabulates the score bands and lists the reference lists with source and as-of date', () => {
    expect(section(doc, 'Score bands')).toContain(
      [
        '| Segment | Score | Policy | Review |',
        '| --- | --- | --- | --- |',
        '| low | 0 to below 25 | `CDD-SIMPLIFIED` | every 60 months |',
        '| medium | 25 to below 50 | `CDD-STANDARD` | every 36 months |',
        '| high | 50 to below 80 | `EDD` | every 12 months |',
        '| critical | 80 or more | `EDD-SENIOR-APPROVAL` | every 6 months |',
      ].join('\n'),
    );
    const lists = section(doc, 'Reference lists');
    expect(lists).toContain('### `highRiskCountries`\n');
    expect(lists).toContain('- **Source:** FATF public statements, October 2025\n');
    expect(lists).toContain('- **As of:** 2025-10-24\n');
    expect(lists).toContain('- **Values (23, sorted):** `AO`, `BG`, `BO`, `CD`,');
  });

  it('says so when approval and publication are not recorded', () => {
    const draft = variant((m) => {
      m.status = 'draft';
    });
    const text = renderModelDocument(draft, {});
    expect(text).toContain('- **Approved by:** not recorded\n');
    expect(text).toContain('- **Published at:** not published (draft)\n');
    expect(text).not.toContain('## Changes since');
  });
});

describe('renderModelDocument: changes since the previous version', () => {
  it('lists what changed, why, and who approved it', () => {
    const v1 = loadDefaultModel();
    const v2 = variant((m) => {
      m.version = 2;
      m.metadata.changeNote = 'Cash-intensive customers weigh more; FATF February 2026 update.';
      m.metadata.createdAt = '2026-02-20T09:00:00Z';
      const cash = m.rules.find((r) => r.id === 'cash-intensive');
      if (cash) cash.points = 20;
      m.rules = m.rules.filter((r) => r.id !== 'crypto-exposure');
      const list = m.lists.highRiskCountries;
      if (list) {
        list.asOf = '2026-02-13';
        list.values = list.values.filter((c) => c !== 'BG').concat('ZA');
      }
    });
    const doc = renderModelDocument(v2, { previous: v1, approvedBy: 'mlro@example.com' });
    expect(section(doc, 'Changes since version 1')).toBe(
      [
        '## Changes since version 1',
        '',
        '- **Why (change note):** Cash-intensive customers weigh more; FATF February 2026 update.',
        '- **Approved by:** mlro@example.com',
        '',
        `- Change note: "${v1.metadata.changeNote}" → "Cash-intensive customers weigh more; FATF February 2026 update."`,
        '- Created: `2025-11-01T00:00:00Z` → `2026-02-20T09:00:00Z`',
        '- Rule removed: `crypto-exposure` (+10 points, reason `CRYPTO_EXPOSURE`)',
        '- Rule `cash-intensive`: points 15 → 20',
        '- List `highRiskCountries`: as of `2025-10-24` → `2026-02-13`',
        '- List `highRiskCountries`: added `ZA`',
        '- List `highRiskCountries`: removed `BG`',
        '',
      ].join('\n'),
    );
  });

  it('says when only the metadata changed', () => {
    const v1 = loadDefaultModel();
    const v2 = variant((m) => {
      m.version = 2;
    });
    const doc = renderModelDocument(v2, { previous: v1 });
    expect(section(doc, 'Changes since version 1')).toContain(
      '- No change to variables, rules, score bands or lists.\n',
    );
  });
});

describe('renderModelDocument: determinism', () => {
  it('gives the same bytes for the same input, whatever the key order of records', () => {
    const v1 = loadDefaultModel();
    const v2 = variant((m) => {
      m.version = 2;
      m.lists.aaa = { asOf: '2026-01-01', source: 'internal', values: ['Y', 'X'] };
    });
    const options = { previous: v1, approvedBy: 'a', publishedAt: '2026-01-02T00:00:00Z' };
    const first = renderModelDocument(v2, options);
    expect(renderModelDocument(structuredClone(v2), structuredClone(options))).toBe(first);
    const reordered = structuredClone(v2);
    reordered.lists = Object.fromEntries(Object.entries(reordered.lists).reverse());
    expect(sha256(renderModelDocument(reordered, options))).toBe(sha256(first));
    expect(first.indexOf('### `aaa`')).toBeLessThan(first.indexOf('### `highRiskCountries`'));
  });

  it('does not depend on the clock or the process locale', () => {
    const model = loadDefaultModel();
    const before = renderModelDocument(model);
    const realNow = Date.now;
    const realToLocale = Number.prototype.toLocaleString;
    try {
      Date.now = () => 0;
      // biome-ignore lint/suspicious/noExplicitAny: deliberately break locale formatting
      (Number.prototype as any).toLocaleString = () => 'LOCALE';
      expect(renderModelDocument(model)).toBe(before);
    } finally {
      Date.now = realNow;
      Number.prototype.toLocaleString = realToLocale;
    }
  });
});

describe('renderModelDocument: CEL in plain language', () => {
  it('translates the supported subset', () => {
    const doc = renderModelDocument(
      withRules(
        '!isPep',
        '!(customerType in highRiskCountries)',
        "customerType in ['individual', 'sole-trader']",
        "!(customerType in ['a', 'b'])",
        '!sets.intersects(jurisdictions, highRiskCountries)',
        "sets.contains(jurisdictions, ['DE', 'FR'])",
        '!sets.contains(jurisdictions, highRiskCountries)',
        '10000 <= volume90d',
        'volume90d != 0.0 && !(count30d > 3)',
        '(volume30d - volume90d / 3.0) * 2.0 >= -5.0',
        'volume30d / count30d > 1000.0 || count30d % 2.0 == 0.0',
        'size(jurisdictions) >= 3',
        "customerType.startsWith('corp')",
        '!(isPep && adverseMedia)',
        'isPep ? volume30d > 1.0 : volume30d > 2.0',
        'true',
        'false',
        'isPep == false',
        'volume30d > volume90d',
        '!(isPep || adverseMedia) && count30d > 1.0',
        'customerType in []',
      ),
    );
    expect(sentences(doc)).toEqual([
      'Fires when `isPep` is false.',
      'Fires when `customerType` is not in the list `highRiskCountries`.',
      'Fires when `customerType` is one of "individual" or "sole-trader".',
      'Fires when `customerType` is none of "a" or "b".',
      'Fires when no value of `jurisdictions` is in the list `highRiskCountries`.',
      'Fires when `jurisdictions` contains all of "DE" and "FR".',
      'Fires when `jurisdictions` does not contain every value of the list `highRiskCountries`.',
      'Fires when `volume90d` is at least 10,000.',
      'Fires when `volume90d` is not 0 and `count30d` is not greater than 3.',
      'Fires when (`volume30d` minus (`volume90d` divided by 3)) times 2 is at least -5.',
      'Fires when `volume30d` divided by `count30d` is greater than 1,000 or `count30d` modulo 2 is 0.',
      'Fires when the number of values in `jurisdictions` is at least 3.',
      'Fires when `customerType` starts with "corp".',
      'Fires when it is not the case that (`isPep` is true and `adverseMedia` is true).',
      'Fires when the following holds: if `isPep` is true, then `volume30d` is greater than 1, otherwise `volume30d` is greater than 2.',
      'Fires for every customer.',
      'Never fires.',
      'Fires when `isPep` is false.',
      'Fires when `volume30d` is greater than `volume90d`.',
      'Fires when (it is not the case that (`isPep` is true or `adverseMedia` is true)) and `count30d` is greater than 1.',
      'Fires when `customerType` is in an empty list (never true).',
    ]);
  });

  it('quotes what it cannot translate: a whole expression verbatim, a part as CEL', () => {
    const doc = renderModelDocument(
      withRules(
        "jurisdictions.exists(j, j.startsWith('X'))",
        "isPep && jurisdictions.all(j, j != 'DE')",
        'volume30d >',
      ),
    );
    expect(sentences(doc)).toEqual([
      "Fires when the CEL expression `jurisdictions.exists(j, j.startsWith('X'))` is true (no plain-language translation).",
      'Fires when `isPep` is true and `jurisdictions.all(j, j != "DE")` is true.',
      'Fires when the CEL expression `volume30d >` is true (not translated: it does not parse).',
    ]);
  });

  it('escapes model text so it cannot break the Markdown', () => {
    const model = variant((m) => {
      m.metadata.author = '<script>alert(1)</script>';
      const first = m.rules[0];
      if (first) {
        first.id = 'odd`id';
        first.description = 'Pipes | stars * and\nnew lines [link](http://x)';
      }
      const v = m.variables[0];
      if (v) {
        v.description = 'a | b';
        v.missing = { policy: 'default', value: 'x|y' };
      }
    });
    const doc = renderModelDocument(model);
    expect(doc).toContain('- **Author:** \\<script\\>alert(1)\\</script\\>\n');
    expect(doc).toContain('### 1. ``odd`id``\n');
    expect(doc).toContain('- **Description:** Pipes \\| stars \\* and new lines \\[link\\](http://x)\n');
    expect(doc).toContain('| use `"x\\|y"` | no | a \\| b |\n');
    expect(doc).not.toContain('<script>');
  });
});
