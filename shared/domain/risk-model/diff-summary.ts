/** One-line, human-readable summaries of a model diff (for change notes and the auditor's document). */

import type { MetadataField, ModelDiff, ScoreBand } from './diff.js';
import {
  type MissingPolicy,
  type ModelVariable,
  type SegmentPolicy,
  scaleText,
  type VariableScale,
} from './model.js';

/**
 * How `summariseDiff` writes the parts of a line: plain text by default; `document.ts` passes a
 * Markdown format (code spans, escaped prose).
 */
export interface DiffFormat {
  /** Identifiers, codes, list values, dates: `cash-intensive`, `EDD`. */
  name(text: string): string;
  /** A CEL condition. */
  expr(text: string): string;
  /** Free text (descriptions, change notes, sources), quoted. */
  text(text: string): string;
}

export const PLAIN_DIFF_FORMAT: DiffFormat = {
  name: (t) => t,
  expr: (t) => `\`${t}\``,
  text: (t) => JSON.stringify(t),
};

const METADATA_LABELS: Record<MetadataField, string> = {
  author: 'Author',
  changeNote: 'Change note',
  createdAt: 'Created',
};

function pointsText(points: number): string {
  return `${points >= 0 ? '+' : ''}${points} ${Math.abs(points) === 1 ? 'point' : 'points'}`;
}

function band(b: ScoreBand): string {
  return `[${b.minScore}, ${b.maxScore === null ? '∞' : b.maxScore})`;
}

function missingText(m: MissingPolicy, f: DiffFormat): string {
  return m.policy === 'default' ? `default ${f.name(JSON.stringify(m.value))}` : 'skip the rules that use it';
}

/** A declared scale, or `none` (predictive models then read the variable as its type says). */
const scaleChange = (scale: VariableScale | null, f: DiffFormat) =>
  scale ? f.text(scaleText({ type: 'number', scale, source: { kind: 'profile', path: '' } })) : 'none';

function sourceText(s: ModelVariable['source'], f: DiffFormat): string {
  return `${s.kind} ${f.name(s.path)}`;
}

/**
 * One short line per change, e.g. `Rule cash-intensive: points 15 → 20`. Empty when the two
 * versions have the same identity, metadata and content.
 */
export function summariseDiff(diff: ModelDiff, format: DiffFormat = PLAIN_DIFF_FORMAT): string[] {
  const f = format;
  const names = (xs: readonly string[]) => xs.map((x) => f.name(x)).join(', ');
  const lines: string[] = [];
  if (diff.from.modelId !== diff.to.modelId) {
    lines.push(`Model: ${f.name(diff.from.modelId)} → ${f.name(diff.to.modelId)}`);
  }
  for (const m of diff.metadata) {
    const value = m.field === 'createdAt' ? f.name : f.text;
    lines.push(`${METADATA_LABELS[m.field]}: ${value(m.before)} → ${value(m.after)}`);
  }

  for (const v of diff.variables.added) {
    const flags = `${v.scale ? `, ${f.text(scaleText(v))}` : ''}${v.protected === true ? ', protected' : ''}`;
    lines.push(
      `Variable added: ${f.name(v.name)} (${v.type}, from ${sourceText(v.source, f)}, when missing ${missingText(v.missing, f)}${flags})`,
    );
  }
  for (const v of diff.variables.removed) lines.push(`Variable removed: ${f.name(v.name)}`);
  for (const v of diff.variables.changed) {
    const head = `Variable ${f.name(v.name)}:`;
    for (const c of v.changes) {
      switch (c.field) {
        case 'type':
          lines.push(`${head} type ${c.before} → ${c.after}`);
          break;
        case 'description':
          lines.push(`${head} description ${f.text(c.before)} → ${f.text(c.after)}`);
          break;
        case 'source':
          lines.push(`${head} source ${sourceText(c.before, f)} → ${sourceText(c.after, f)}`);
          break;
        case 'missing':
          lines.push(`${head} when missing ${missingText(c.before, f)} → ${missingText(c.after, f)}`);
          break;
        case 'protected':
          lines.push(`${head} protected ${c.before ? 'yes' : 'no'} → ${c.after ? 'yes' : 'no'}`);
          break;
        case 'scale':
          lines.push(`${head} scale ${scaleChange(c.before, f)} → ${scaleChange(c.after, f)}`);
          break;
      }
    }
  }
  if (diff.variables.reordered) {
    const r = diff.variables.reordered;
    lines.push(`Variables reordered: ${names(r.before)} → ${names(r.after)}`);
  }

  for (const r of diff.rules.added) {
    const override = r.overrideSegment === undefined ? '' : `, override ${f.name(r.overrideSegment)}`;
    lines.push(
      `Rule added: ${f.name(r.id)}: ${f.expr(r.when)}, ${pointsText(r.points)}, reason ${f.name(r.reasonCode)}${override}`,
    );
  }
  for (const r of diff.rules.removed) {
    lines.push(`Rule removed: ${f.name(r.id)} (${pointsText(r.points)}, reason ${f.name(r.reasonCode)})`);
  }
  for (const r of diff.rules.changed) {
    const head = `Rule ${f.name(r.id)}:`;
    for (const c of r.changes) {
      switch (c.field) {
        case 'when':
          lines.push(`${head} condition ${f.expr(c.before)} → ${f.expr(c.after)}`);
          break;
        case 'points':
          lines.push(`${head} points ${c.before} → ${c.after}`);
          break;
        case 'reasonCode':
          lines.push(`${head} reason code ${f.name(c.before)} → ${f.name(c.after)}`);
          break;
        case 'description':
          lines.push(`${head} description ${f.text(c.before)} → ${f.text(c.after)}`);
          break;
        case 'overrideSegment': {
          const o = (s: string | null) => (s === null ? 'none' : f.name(s));
          lines.push(`${head} override segment ${o(c.before)} → ${o(c.after)}`);
          break;
        }
      }
    }
  }
  if (diff.rules.reordered) {
    const r = diff.rules.reordered;
    lines.push(`Rules reordered: ${names(r.before)} → ${names(r.after)}`);
  }

  for (const s of diff.segments.added) {
    lines.push(
      `Segment added: ${f.name(s.name)} ${f.name(band(s))}, policy ${f.name(s.policyRef)}, review every ${s.reviewIntervalMonths} months`,
    );
  }
  for (const s of diff.segments.removed) lines.push(`Segment removed: ${f.name(s.name)}`);
  for (const s of diff.segments.changed) {
    const head = `Segment ${f.name(s.name)}:`;
    for (const c of s.changes) {
      switch (c.field) {
        case 'band':
          lines.push(`${head} band ${f.name(band(c.before))} → ${f.name(band(c.after))}`);
          break;
        case 'policyRef':
          lines.push(`${head} policy ${f.name(c.before)} → ${f.name(c.after)}`);
          break;
        case 'reviewIntervalMonths':
          lines.push(`${head} review interval ${c.before} → ${c.after} months`);
          break;
        case 'policy':
          lines.push(`${head} controls ${f.text(policyText(c.before))} → ${f.text(policyText(c.after))}`);
          break;
      }
    }
  }
  if (diff.segments.reordered) {
    const r = diff.segments.reordered;
    lines.push(`Segments reordered (severity): ${names(r.before)} → ${names(r.after)}`);
  }

  for (const l of diff.lists.added) {
    lines.push(
      `List added: ${f.name(l.name)} (${l.values.length} values, as of ${f.name(l.asOf)}, source ${f.text(l.source)})`,
    );
  }
  for (const l of diff.lists.removed) lines.push(`List removed: ${f.name(l.name)}`);
  for (const l of diff.lists.changed) {
    const head = `List ${f.name(l.name)}:`;
    for (const c of l.changes) {
      switch (c.field) {
        case 'asOf':
          lines.push(`${head} as of ${f.name(c.before)} → ${f.name(c.after)}`);
          break;
        case 'source':
          lines.push(`${head} source ${f.text(c.before)} → ${f.text(c.after)}`);
          break;
        case 'values':
          if (c.added.length > 0) lines.push(`${head} added ${names(c.added)}`);
          if (c.removed.length > 0) lines.push(`${head} removed ${names(c.removed)}`);
          break;
      }
    }
  }
  return lines;
}

function policyText(p: SegmentPolicy): string {
  const edd = p.enhancedDueDiligence ? 'EDD' : 'no EDD';
  const alert = p.alertOnEntry ? 'alert on entry' : 'no alert';
  return `${p.monitoring} monitoring, ${edd}, ${alert}, kept ${p.retentionYearsAfterRelationship} y, personal data: ${p.personalDataRoles.join('/')}`;
}
