/**
 * Segment colours, least to most severe, each with at least 4.5:1 contrast against white (the page
 * background and the colour of labels drawn inside bars): WCAG AA for text and for graphics.
 * Colour is never the only cue: bars carry labels, legends name segments, and every chart has a table.
 */
export const segmentPalette = ['#1b7a3d', '#876000', '#b9410c', '#9f1239', '#5b21b6', '#1e4f8a'] as const;

/** Ink for single-series charts and text. */
export const ink = { bar: '#1e4f8a', text: '#1f2328', muted: '#57606a', baseline: '#57606a' } as const;

/** One colour per segment in model order; the most severe segment always gets the darkest red. */
export function segmentColours(segments: readonly string[]): Map<string, string> {
  const colours = new Map<string, string>();
  segments.forEach((segment, i) => {
    // Up to four segments spread over green, amber, orange, red; more take the extra hues in order.
    const index = segments.length <= 4 ? Math.round((i * 3) / Math.max(1, segments.length - 1)) : i;
    colours.set(segment, segmentPalette[index % segmentPalette.length] ?? ink.bar);
  });
  return colours;
}

/** WCAG 2.x contrast ratio of two #rrggbb colours. */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
