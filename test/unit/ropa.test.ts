import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/functions.js';
import { tables } from '../../infra/manifest.js';
import { pointInTimeRecoveryDays } from '../../infra/retention.js';
import { documents, recordsOfProcessing, retentionDocument } from '../../infra/ropa.js';
import { permittedBases } from '../../shared/domain/lawful-basis.js';

describe('records of processing and retention (npm run ropa)', () => {
  it.each(Object.entries(documents))(
    '%s is committed as generated (run npm run ropa after a change)',
    (path, render) => {
      expect(readFileSync(join(repoRoot, path), 'utf8')).toBe(render());
    },
  );

  it('covers every Art. 30(1) heading, every purpose and the erasure window including backups', () => {
    const ropa = recordsOfProcessing();
    for (const heading of [
      '30(1)(a)',
      '30(1)(b)',
      '30(1)(c)',
      '30(1)(d)',
      '30(1)(e)',
      '30(1)(f)',
      '30(1)(g)',
    ]) {
      expect(ropa).toContain(heading);
    }
    for (const purpose of Object.keys(permittedBases)) expect(ropa).toContain(`\`${purpose}\``);
    expect(pointInTimeRecoveryDays).toBe(35);
    expect(ropa).toContain(`restorable for ${pointInTimeRecoveryDays} days`);
    expect(ropa).toMatch(/`privacy`: .*POST \/v1\/subjects\/erasure/);
  });

  it('gives every table a retention row with a legal basis', () => {
    const doc = retentionDocument();
    for (const name of Object.keys(tables)) expect(doc).toMatch(new RegExp(`\\| \`${name}\` +\\| \\S`));
    expect(doc).toContain('critical');
  });
});
