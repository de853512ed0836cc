import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type BenchReport,
  beginMarker,
  endMarker,
  mergeReport,
  type ReportEntry,
  renderSection,
  replaceSection,
  type SuiteRun,
  toEntry,
} from '../bench/report.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// Nothing here is timed: these tests protect how `npm run bench` keeps and renders its figures.
const machine = { cpus: 2, cpuModel: 'test cpu', node: 'v20.0.0', platform: 'linux x64', memoryGb: 8 };
const suiteRun = (title: string, measuredAt: string): SuiteRun => ({
  title,
  measuredAt,
  seconds: 3,
  machine,
});
const entry = (suite: string, name: string, ratio: number): ReportEntry =>
  toEntry(suite, {
    name,
    baseline: { label: 'raw', opsPerSec: 100 },
    subject: { label: 'riskloop', opsPerSec: 100 * ratio },
    ratio,
    target: 0.5,
  });

const previous: BenchReport = {
  generatedBy: 'npm run bench (test/bench/run.ts)',
  suites: {
    rules: suiteRun('Rules', '2026-11-01T10:00:00.000Z'),
    audit: suiteRun('Audit', '2026-11-01T10:05:00.000Z'),
  },
  results: [entry('rules', 'rules old', 0.7), entry('audit', 'audit writes', 1.2)],
};

describe('bench report', () => {
  it('replaces only the suites a partial run measured, and keeps the registry order', () => {
    // Prepare
    const runs = { rules: suiteRun('Rules', '2026-11-25T10:00:00.000Z') };
    // Act
    const merged = mergeReport(previous, runs, [entry('rules', 'rules new', 0.8)], ['rules', 'audit']);
    // Assess
    expect(merged.results.map((e) => e.name)).toEqual(['rules new', 'audit writes']);
    expect(Object.keys(merged.suites)).toEqual(['rules', 'audit']);
    expect(merged.suites.rules?.measuredAt).toBe('2026-11-25T10:00:00.000Z');
    expect(merged.suites.audit?.measuredAt).toBe('2026-11-01T10:05:00.000Z');
  });

  it('records whether each figure meets its target or budget', () => {
    const budgeted = toEntry('bundles', {
      name: 'bundle size: x',
      baseline: { label: 'budget', opsPerSec: 400, unit: 'bytes' },
      subject: { label: 'index.mjs', opsPerSec: 500, unit: 'bytes' },
      ratio: 1.25,
      target: 0,
      budget: 1,
    });
    expect(budgeted).toMatchObject({ met: false, budget: 1, subject: { value: 500, unit: 'bytes' } });
    expect(entry('rules', 'slow', 0.4).met).toBe(false);
    expect(entry('rules', 'fast', 0.6).met).toBe(true);
    expect(toEntry('x', { ...budgeted, budget: undefined } as never).met).toBeNull();
  });

  it('rewrites the text between the markers and nothing else', () => {
    const doc = `# Title\n\nBefore.\n\n${beginMarker}\nold figures\n${endMarker}\n\nAfter.\n`;
    const updated = replaceSection(doc, renderSection(previous));
    expect(updated.startsWith('# Title\n\nBefore.\n\n<!-- bench:begin -->')).toBe(true);
    expect(updated.endsWith('<!-- bench:end -->\n\nAfter.\n')).toBe(true);
    expect(updated.includes('old figures')).toBe(false);
    expect(updated.includes('| audit writes')).toBe(true);
    expect(() => replaceSection('# no markers', 'x')).toThrow(/bench:begin/);
  });

  it('docs/benchmarks.md shows exactly what docs/benchmarks.json holds', () => {
    const report = JSON.parse(readFileSync(join(repoRoot, 'docs/benchmarks.json'), 'utf8')) as BenchReport;
    const doc = readFileSync(join(repoRoot, 'docs/benchmarks.md'), 'utf8');
    expect(report.results.length).toBeGreaterThan(0);
    // A hand edit inside the markers, or a JSON edit without `npm run bench`, shows up here.
    expect(replaceSection(doc, renderSection(report)) === doc).toBe(true);
  });
});
