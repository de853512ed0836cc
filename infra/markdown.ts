/**
 * Markdown for generated documents (records of processing, retention, benchmarks). Biome formats
 * Markdown too, so what a generator writes must already be in Biome's shape or `biome check` fails.
 */

/** One table cell: a pipe or a line break would end the cell or the row. */
export const markdownCell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A Markdown table padded the way Biome formats one, so generated files pass `biome check`. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [head, ...rows].map((r) => r.map(markdownCell));
  const widths = head.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [first = [], ...rest] = all;
  return [line(first), line(widths.map((w) => '-'.repeat(w))), ...rest.map(line)].join('\n');
}
