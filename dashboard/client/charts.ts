/**
 * The dashboard's charts, drawn with Observable Plot as SVG. Each returns the chart (or null when
 * there is nothing to draw), a sentence describing what it shows, and a data table with the same
 * numbers, so nothing is conveyed by the picture or by colour alone.
 */
import * as Plot from '@observablehq/plot';
import type { CaptureCurve, FeedbackStats, InsightsSummary } from '../../shared/domain/insights/schemas.js';
import { dataTable, number, percent } from './dom.js';
import { ink, segmentColours } from './palette.js';

export interface Chart {
  /** The SVG, or null for an empty state. */
  svg: SVGSVGElement | null;
  /** Shown under the heading and used as the chart's accessible description. */
  description: string;
  table: HTMLTableElement;
}

/** Plot's class name; its default rules (which Plot would inject as an inline <style>) live in styles.css. */
const className = 'rl-plot';

const width = 640;

/**
 * Plot appends a <style> element to each chart; the page's Content-Security-Policy (style-src 'self')
 * refuses inline styles, so it is dropped here and the same rules ship in the stylesheet.
 */
function finish(node: SVGSVGElement | HTMLElement, label: string): SVGSVGElement {
  const svg = node as SVGSVGElement;
  for (const style of svg.querySelectorAll('style')) style.remove();
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  return svg;
}

export function segmentTrendChart(summary: InsightsSummary): Chart {
  const segments = summary.segments.map((s) => s.segment);
  const colours = segmentColours(segments);
  const periods = [...new Set(summary.trend.map((t) => t.period))].sort();
  const table = dataTable(
    'Customers per segment and month',
    ['Month', ...segments],
    periods.map((p) => [
      p,
      ...segments.map((s) =>
        number(summary.trend.find((t) => t.period === p && t.segment === s)?.count ?? 0),
      ),
    ]),
  );
  const total = summary.trend.reduce((a, t) => a + t.count, 0);
  if (total === 0) {
    return { svg: null, description: 'No segment assignments yet.', table };
  }
  const perPeriod = new Map<string, number>();
  for (const t of summary.trend) perPeriod.set(t.period, (perPeriod.get(t.period) ?? 0) + t.count);
  const order = (d: { segment: string }) => segments.indexOf(d.segment);
  const last = periods.at(-1) ?? '';
  const current = summary.segments.map((s) => `${s.segment} ${percent(s.share)}`).join(', ');
  const svg = Plot.plot({
    className,
    width,
    height: 320,
    marginLeft: 56,
    x: { label: 'Month', domain: periods, type: 'band' },
    y: { label: 'Customers', grid: true, tickFormat: 'd' },
    color: { domain: segments, range: segments.map((s) => colours.get(s) ?? ink.bar) },
    marks: [
      Plot.barY(summary.trend, {
        x: 'period',
        y: 'count',
        fill: 'segment',
        order,
        stroke: 'white',
        title: (d: { period: string; segment: string; count: number }) =>
          `${d.period} · ${d.segment}: ${d.count}`,
      }),
      // Segment names inside bars tall enough to hold them: the colour is never the only cue.
      Plot.text(
        summary.trend,
        Plot.stackY({
          x: 'period',
          y: 'count',
          z: 'segment',
          order,
          fill: 'white',
          fontWeight: 600,
          text: (d: { period: string; segment: string; count: number }) =>
            d.count / (perPeriod.get(d.period) ?? 1) >= 0.08 ? d.segment : '',
        }),
      ),
      Plot.ruleY([0]),
    ],
  });
  return {
    svg: finish(svg, `Stacked bars of customers per risk segment for each month up to ${last}`),
    description: `Customers per risk segment each month (${periods.length} ${
      periods.length === 1 ? 'month' : 'months'
    }). Now: ${current}.`,
    table,
  };
}

export function npsChart(summary: InsightsSummary, feedback: FeedbackStats): Chart {
  const segments = summary.segments.map((s) => s.segment);
  const colours = segmentColours(segments);
  // The latest month with an NPS, per segment in model order.
  const latest = segments.flatMap((segment) => {
    const rows = feedback.series
      .filter((r) => r.segment === segment && r.nps !== null)
      .sort((a, b) => a.period.localeCompare(b.period));
    const row = rows.at(-1);
    return row ? [{ ...row, nps: row.nps as number }] : [];
  });
  const table = dataTable(
    'NPS and participation per segment and month',
    ['Month', 'Segment', 'NPS', 'Responses', 'Surveyed', 'Participation'],
    [...feedback.series]
      .sort(
        (a, b) =>
          a.period.localeCompare(b.period) || segments.indexOf(a.segment) - segments.indexOf(b.segment),
      )
      .map((r) => [r.period, r.segment, number(r.nps), r.responses, r.surveyed, percent(r.participation)]),
  );
  if (latest.length === 0) {
    return { svg: null, description: 'No survey responses yet: NPS appears once customers answer.', table };
  }
  const svg = Plot.plot({
    className,
    width,
    height: 60 + latest.length * 44,
    marginLeft: 90,
    marginRight: 110,
    x: { label: 'Net Promoter Score', domain: [-100, 100], grid: true },
    y: { label: null, domain: latest.map((r) => r.segment) },
    marks: [
      Plot.barX(latest, {
        x: 'nps',
        y: 'segment',
        fill: (d: { segment: string }) => colours.get(d.segment) ?? ink.bar,
        title: (d: { segment: string; nps: number; period: string }) =>
          `${d.segment}: NPS ${d.nps} (${d.period})`,
      }),
      Plot.text(latest, {
        x: 100,
        y: 'segment',
        dx: 8,
        textAnchor: 'start',
        fill: ink.text,
        text: (d: { nps: number; responses: number }) =>
          `${number(d.nps, 1)} · ${d.responses} ${d.responses === 1 ? 'answer' : 'answers'}`,
      }),
      Plot.ruleX([0], { stroke: ink.baseline }),
    ],
  });
  return {
    svg: finish(svg, 'Horizontal bars of the Net Promoter Score per risk segment'),
    description: `Net Promoter Score (-100 to 100) per risk segment, latest month with responses: ${latest
      .map((r) => `${r.segment} ${r.nps}`)
      .join(', ')}.`,
    table,
  };
}

export function captureCurveChart(summary: InsightsSummary, curve: CaptureCurve): Chart {
  const table = dataTable(
    'Audit issues captured, cumulative from the most severe segment',
    ['Down to segment', 'Customers', 'Flagged', 'Issues', 'Captured', 'Precision', 'Recall'],
    curve.bySegment.map((s) => [
      s.segment,
      s.customers,
      percent(s.flaggedShare, 1),
      s.issues,
      percent(s.capturedShare),
      percent(s.precision),
      percent(s.recall),
    ]),
  );
  if (curve.points.length === 0 || curve.issues === 0) {
    return {
      svg: null,
      description: 'No audit issues recorded yet: the capture curve appears once audit outcomes arrive.',
      table,
    };
  }
  const { highRiskShare, captureRate } = summary.kpis;
  const annotation =
    captureRate === null ? null : `${percent(highRiskShare)} flagged hold ${percent(captureRate)} of issues`;
  const segmentPoints = curve.bySegment.filter((s) => s.capturedShare !== null);
  const svg = Plot.plot({
    className,
    width,
    height: 380,
    marginLeft: 56,
    marginRight: 24,
    // `percent` multiplies values by 100, so domains are in percent.
    x: { label: 'Customers flagged, riskiest first (%)', domain: [0, 100], percent: true, grid: true },
    y: { label: 'Audit issues captured (%)', domain: [0, 100], percent: true, grid: true },
    marks: [
      // A random ranking captures issues in proportion to the customers flagged.
      Plot.line(
        [
          [0, 0],
          [1, 1],
        ],
        { stroke: ink.baseline, strokeDasharray: '5 4' },
      ),
      Plot.text([[0.72, 0.66]], { text: ['random ranking'], fill: ink.muted, rotate: -31 }),
      Plot.line(curve.points, { x: 'flaggedShare', y: 'capturedShare', stroke: ink.bar, strokeWidth: 2.5 }),
      Plot.dot(segmentPoints, {
        x: 'flaggedShare',
        y: 'capturedShare',
        r: 4,
        fill: ink.bar,
        title: (d: { segment: string; flaggedShare: number; capturedShare: number }) =>
          `down to ${d.segment}: ${percent(d.flaggedShare, 1)} flagged, ${percent(d.capturedShare)} of issues`,
      }),
      // Labels right of their point, or left of it near the right edge, so none is clipped.
      ...(['start', 'end'] as const).map((textAnchor) =>
        Plot.text(
          segmentPoints.filter((s) => s.flaggedShare > 0.8 === (textAnchor === 'end')),
          {
            x: 'flaggedShare',
            y: 'capturedShare',
            text: 'segment',
            dx: textAnchor === 'start' ? 8 : -8,
            dy: 10,
            textAnchor,
            fill: ink.text,
          },
        ),
      ),
      ...(annotation === null || captureRate === null
        ? []
        : [
            Plot.dot([[highRiskShare, captureRate]], { r: 6, stroke: ink.text, strokeWidth: 2 }),
            Plot.text([[highRiskShare, captureRate]], {
              text: [annotation],
              dx: highRiskShare > 0.5 ? -12 : 12,
              dy: -14,
              textAnchor: highRiskShare > 0.5 ? 'end' : 'start',
              fill: ink.text,
              fontWeight: 600,
            }),
          ]),
    ],
  });
  return {
    svg: finish(svg, 'Capture curve of audit issues against the share of customers flagged'),
    description: `Share of audit issues (${curve.issues} among ${curve.outcomes} audited customers) found by flagging customers from the highest risk score down; the dashed diagonal is a random ranking.${
      annotation ? ` The high-risk segments: ${annotation}.` : ''
    }`,
    table,
  };
}

export function reasonCodesChart(summary: InsightsSummary): Chart {
  const top = summary.reasonCodes.slice(0, 15);
  const table = dataTable(
    'Reason codes of current assignments',
    ['Reason code', 'Customers'],
    summary.reasonCodes.map((r) => [r.reasonCode, r.count]),
  );
  if (top.length === 0) {
    return { svg: null, description: 'No rule has fired for any current assignment.', table };
  }
  const longest = Math.max(...top.map((r) => r.reasonCode.length));
  const svg = Plot.plot({
    className,
    width,
    height: 50 + top.length * 28,
    marginLeft: Math.min(300, 16 + longest * 7),
    marginRight: 48,
    // Whole customers: no tick between 0 and 1.
    x: { label: 'Customers', grid: true, ticks: Math.min(10, top[0]?.count ?? 1), tickFormat: 'd' },
    y: { label: null, domain: top.map((r) => r.reasonCode) },
    marks: [
      Plot.barX(top, { x: 'count', y: 'reasonCode', fill: ink.bar }),
      Plot.text(top, {
        x: 'count',
        y: 'reasonCode',
        text: 'count',
        dx: 6,
        textAnchor: 'start',
        fill: ink.text,
      }),
      Plot.ruleX([0]),
    ],
  });
  const head = top
    .slice(0, 3)
    .map((r) => `${r.reasonCode} (${r.count})`)
    .join(', ');
  return {
    svg: finish(svg, 'Horizontal bars of how many current assignments carry each reason code'),
    description: `How many current assignments carry each reason code, most frequent first: ${head}.`,
    table,
  };
}

export interface Tile {
  label: string;
  value: string;
  note: string;
}

export function kpiTiles(summary: InsightsSummary): Tile[] {
  const k = summary.kpis;
  const high = k.highRiskSegments?.join(', ') ?? 'segments requiring EDD';
  return [
    {
      label: 'Customers',
      value: number(k.customers),
      note: `model ${summary.model.modelId} v${summary.model.version}`,
    },
    { label: 'High-risk share', value: percent(k.highRiskShare, 1), note: high },
    { label: 'Capture rate', value: percent(k.captureRate), note: 'audit issues among high-risk customers' },
    {
      label: 'Precision / recall',
      value:
        k.precision === null && k.recall === null
          ? 'no data'
          : `${percent(k.precision)} / ${percent(k.recall)}`,
      note: 'high-risk segments against audit outcomes',
    },
    { label: 'Open cases', value: number(k.openCases), note: 'open or in review' },
    { label: 'Median days to close', value: number(k.medianDaysToClose, 1), note: 'closed cases' },
    {
      label: 'NPS',
      value: number(k.nps),
      note: k.feedbackPeriod ? `month ${k.feedbackPeriod}` : 'last full month',
    },
    { label: 'Participation', value: percent(k.participation), note: 'surveyed customers who answered' },
  ];
}
