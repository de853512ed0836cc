import { describe, expect, it } from 'vitest';
import {
  diffModels,
  loadDefaultModel,
  type ModelDiff,
  type RiskModel,
  summariseDiff,
} from '../../shared/domain/risk-model/index.js';

/** A deep copy of the default model as version 2 (a draft), edited by `edit`. */
function nextVersion(edit: (m: RiskModel) => void = () => {}): RiskModel {
  const m = structuredClone(loadDefaultModel());
  m.version = 2;
  m.status = 'draft';
  edit(m);
  return m;
}

function rule(m: RiskModel, id: string) {
  const r = m.rules.find((x) => x.id === id);
  if (r === undefined) throw new Error(`no rule ${id}`);
  return r;
}

describe('diffModels', () => {
  it('finds nothing between a model and its copy', () => {
    const v1 = loadDefaultModel();
    const diff = diffModels(v1, structuredClone(v1));
    expect(diff.contentChanged).toBe(false);
    expect(diff.metadata).toEqual([]);
    expect(diff.rules).toEqual({ added: [], removed: [], changed: [], reordered: null });
    expect(diff.lists).toEqual({ added: [], removed: [], changed: [] });
    expect(summariseDiff(diff)).toEqual([]);
  });

  it('ignores identity and status, and a missing protected flag equals false', () => {
    const v1 = loadDefaultModel();
    const v2 = nextVersion((m) => {
      for (const v of m.variables) if (v.protected === false) delete v.protected;
      // List values are a set: reordering them is not a change.
      m.lists.highRiskCountries?.values.reverse();
    });
    const diff = diffModels(v1, v2);
    expect(diff.from).toEqual({ modelId: 'aml-default', version: 1, status: 'published' });
    expect(diff.to).toEqual({ modelId: 'aml-default', version: 2, status: 'draft' });
    expect(diff.contentChanged).toBe(false);
    expect(summariseDiff(diff)).toEqual([]);
  });

  it('reports every kind of change, structured and as short lines', () => {
    const v1 = loadDefaultModel();
    const v2 = nextVersion((m) => {
      m.metadata.author = 'compliance-team';
      m.metadata.changeNote = 'Stricter cash rule; FATF February update.';
      m.metadata.createdAt = '2026-02-20T09:00:00Z';
      rule(m, 'cash-intensive').points = 20;
      rule(m, 'cash-intensive').when = 'cashShare90d >= 0.4 && volume90d >= 10000';
      rule(m, 'structuring').reasonCode = 'STRUCTURING';
      rule(m, 'structuring').overrideSegment = 'high';
      rule(m, 'pep').description = 'PEP: enhanced due diligence.';
      delete rule(m, 'sanctions-hit').overrideSegment;
      m.rules = m.rules.filter((r) => r.id !== 'crypto-exposure');
      m.rules.push({
        id: 'dormant-reactivation',
        when: 'count30d > 20 && volume90d < 1000',
        points: 1,
        reasonCode: 'DORMANT_REACTIVATION',
        description: 'A quiet account suddenly busy.',
      });
      const volume = m.variables.find((v) => v.name === 'volume30d');
      if (volume) volume.missing = { policy: 'default', value: 0 };
      const pep = m.variables.find((v) => v.name === 'isPep');
      if (pep) pep.source = { kind: 'profile', path: 'flags.politicallyExposed' };
      m.variables = m.variables.filter((v) => v.name !== 'npsScore');
      m.variables.push({
        name: 'mlScore',
        type: 'number',
        description: 'Predicted probability of an audit finding.',
        source: { kind: 'score', path: 'audit.probability' },
        missing: { policy: 'skip-rules' },
      });
      const high = m.segments[2];
      if (high) {
        high.minScore = 50;
        high.maxScore = 85;
        high.policyRef = 'EDD-2026';
      }
      const critical = m.segments[3];
      if (critical) {
        critical.minScore = 85;
        critical.reviewIntervalMonths = 3;
      }
      const list = m.lists.highRiskCountries;
      if (list) {
        list.asOf = '2026-02-13';
        list.values = list.values.filter((c) => c !== 'BG' && c !== 'AO').concat(['ZA', 'PH']);
      }
      m.lists.sanctionedCountries = {
        asOf: '2026-01-31',
        source: 'EU consolidated list',
        values: ['RU', 'BY'],
      };
    });

    const diff = diffModels(v1, v2);
    expect(diff.contentChanged).toBe(true);
    expect(diff.rules.changed.find((c) => c.id === 'cash-intensive')?.changes).toEqual([
      {
        field: 'when',
        before: 'cashShare90d >= 0.5 && volume90d >= 10000',
        after: 'cashShare90d >= 0.4 && volume90d >= 10000',
      },
      { field: 'points', before: 15, after: 20 },
    ]);
    expect(diff.rules.changed.find((c) => c.id === 'sanctions-hit')?.changes).toEqual([
      { field: 'overrideSegment', before: 'critical', after: null },
    ]);
    expect(diff.rules.added.map((r) => r.id)).toEqual(['dormant-reactivation']);
    expect(diff.rules.removed.map((r) => r.id)).toEqual(['crypto-exposure']);
    expect(diff.rules.reordered).toBeNull();
    expect(diff.segments.changed).toEqual([
      {
        name: 'high',
        changes: [
          { field: 'band', before: { minScore: 50, maxScore: 80 }, after: { minScore: 50, maxScore: 85 } },
          { field: 'policyRef', before: 'EDD', after: 'EDD-2026' },
        ],
      },
      {
        name: 'critical',
        changes: [
          {
            field: 'band',
            before: { minScore: 80, maxScore: null },
            after: { minScore: 85, maxScore: null },
          },
          { field: 'reviewIntervalMonths', before: 6, after: 3 },
        ],
      },
    ]);
    expect(diff.lists.changed).toEqual([
      {
        name: 'highRiskCountries',
        changes: [
          { field: 'asOf', before: '2025-10-24', after: '2026-02-13' },
          { field: 'values', added: ['PH', 'ZA'], removed: ['AO', 'BG'] },
        ],
      },
    ]);

    expect(summariseDiff(diff)).toEqual([
      'Author: "riskloop" → "compliance-team"',
      `Change note: ${JSON.stringify(v1.metadata.changeNote)} → "Stricter cash rule; FATF February update."`,
      'Created: 2025-11-01T00:00:00Z → 2026-02-20T09:00:00Z',
      'Variable added: mlScore (number, from score audit.probability, when missing skip the rules that use it)',
      'Variable removed: npsScore',
      'Variable isPep: source profile flags.pep → profile flags.politicallyExposed',
      'Variable volume30d: when missing skip the rules that use it → default 0',
      'Rule added: dormant-reactivation: `count30d > 20 && volume90d < 1000`, +1 point, reason DORMANT_REACTIVATION',
      'Rule removed: crypto-exposure (+10 points, reason CRYPTO_EXPOSURE)',
      'Rule sanctions-hit: override segment critical → none',
      'Rule pep: description "Politically exposed person: enhanced due diligence is mandatory." → "PEP: enhanced due diligence."',
      'Rule cash-intensive: condition `cashShare90d >= 0.5 && volume90d >= 10000` → `cashShare90d >= 0.4 && volume90d >= 10000`',
      'Rule cash-intensive: points 15 → 20',
      'Rule structuring: reason code STRUCTURING_PATTERN → STRUCTURING',
      'Rule structuring: override segment none → high',
      'Segment high: band [50, 80) → [50, 85)',
      'Segment high: policy EDD → EDD-2026',
      'Segment critical: band [80, ∞) → [85, ∞)',
      'Segment critical: review interval 6 → 3 months',
      'List added: sanctionedCountries (2 values, as of 2026-01-31, source "EU consolidated list")',
      'List highRiskCountries: as of 2025-10-24 → 2026-02-13',
      'List highRiskCountries: added PH, ZA',
      'List highRiskCountries: removed AO, BG',
    ]);
  });

  it('reports reordering of rules and segments, with the keys in both versions', () => {
    const v1 = loadDefaultModel();
    const v2 = nextVersion((m) => {
      const [a, b] = m.rules;
      if (a && b) m.rules.splice(0, 2, b, a);
      m.rules = m.rules.filter((r) => r.id !== 'structuring');
    });
    const diff = diffModels(v1, v2);
    const kept = v1.rules.map((r) => r.id).filter((id) => id !== 'structuring');
    expect(diff.rules.reordered).toEqual({ before: kept, after: ['pep', 'sanctions-hit', ...kept.slice(2)] });
    expect(diff.rules.changed).toEqual([]);
    expect(summariseDiff(diff)).toContain(
      'Rule removed: structuring (+35 points, reason STRUCTURING_PATTERN)',
    );
    expect(summariseDiff(diff).at(-1)).toMatch(
      /^Rules reordered: sanctions-hit, pep, .* → pep, sanctions-hit, /,
    );
  });

  it('is deterministic: added and changed follow the new version, removed the old one', () => {
    const v1 = loadDefaultModel();
    const v2 = nextVersion((m) => {
      m.rules = m.rules.filter((r) => r.id !== 'structuring' && r.id !== 'pep');
      for (const id of ['z-rule', 'a-rule']) {
        m.rules.push({ id, when: 'isPep', points: 1, reasonCode: 'X', description: 'x' });
      }
      // Record key order carries no meaning: lists come out sorted by name.
      m.lists = { zList: { asOf: '2026-01-01', source: 's', values: [] }, ...m.lists };
      m.lists.aList = { asOf: '2026-01-01', source: 's', values: ['b', 'a'] };
    });
    const first = diffModels(v1, v2);
    expect(first.rules.added.map((r) => r.id)).toEqual(['z-rule', 'a-rule']);
    expect(first.rules.removed.map((r) => r.id)).toEqual(['pep', 'structuring']);
    expect(first.lists.added.map((l) => l.name)).toEqual(['aList', 'zList']);
    expect(diffModels(v1, structuredClone(v2))).toEqual(first);
    expect(summariseDiff(diffModels(v1, v2))).toEqual(summariseDiff(first));
  });

  it('returns plain JSON that shares nothing with its inputs', () => {
    const v1 = loadDefaultModel();
    const v2 = nextVersion((m) => {
      rule(m, 'pep').overrideSegment = 'critical';
      m.rules.push({ id: 'new', when: 'isPep', points: 1, reasonCode: 'NEW', description: 'n' });
    });
    const diff: ModelDiff = diffModels(v1, v2);
    expect(JSON.parse(JSON.stringify(diff))).toEqual(diff);
    const added = diff.rules.added[0];
    if (added) added.points = 99;
    expect(v2.rules.at(-1)?.points).toBe(1);
  });

  it('matches repeated keys in order instead of dropping them', () => {
    const v1 = structuredClone(loadDefaultModel());
    const dup = { id: 'pep', when: 'isPep', points: 1, reasonCode: 'PEP_AGAIN', description: 'd' };
    v1.rules.push(dup);
    const v2 = nextVersion((m) => m.rules.push({ ...dup, points: 2 }));
    const diff = diffModels(v1, v2);
    expect(diff.rules.changed).toEqual([{ id: 'pep', changes: [{ field: 'points', before: 1, after: 2 }] }]);
    expect(diffModels(v1, loadDefaultModel()).rules.removed.map((r) => r.reasonCode)).toEqual(['PEP_AGAIN']);
  });

  it('summarises with a caller-supplied format', () => {
    const v2 = nextVersion((m) => {
      rule(m, 'cash-intensive').points = 20;
    });
    const lines = summariseDiff(diffModels(loadDefaultModel(), v2), {
      name: (t) => `<${t}>`,
      expr: (t) => `{${t}}`,
      text: (t) => `'${t}'`,
    });
    expect(lines).toEqual(['Rule <cash-intensive>: points 15 → 20']);
  });
});
