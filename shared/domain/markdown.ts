/** Markdown text helpers shared by the auditor's documents (risk models, scoring models). */

/** Inline prose: line breaks become spaces; characters with Markdown or HTML meaning are escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<>|&~]/g, (c) => `\\${c}`);
}

/** A code span that shows `text` verbatim (any backticks inside included). */
export function codeSpan(text: string, inTable = false): string {
  let t = text.replace(/\r\n|\r|\n/g, ' ');
  // GFM splits table cells on `|` even inside code spans; `\|` is shown as `|` there.
  if (inTable) t = t.replace(/\|/g, '\\|');
  let longest = 0;
  for (const run of t.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad =
    t.startsWith('`') || t.endsWith('`') || (t.length > 1 && t.startsWith(' ') && t.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** Numbers as written for people: digit grouping, no exponent for integers, locale-independent. */
export function formatNumber(value: number | bigint): string {
  if (typeof value === 'bigint') return groupDigits(value.toString());
  if (!Number.isFinite(value)) return String(value);
  if (Object.is(value, -0)) return '0';
  const text = Math.abs(value) < 1e21 && Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (text.includes('e')) return text;
  const [int = '', frac] = text.split('.');
  return frac === undefined ? groupDigits(int) : `${groupDigits(int)}.${frac}`;
}

function groupDigits(int: string): string {
  const negative = int.startsWith('-');
  const digits = negative ? int.slice(1) : int;
  const grouped = digits.length <= 3 ? digits : digits.replace(/\B(?=(\d{3})+$)/g, ',');
  return negative ? `-${grouped}` : grouped;
}
