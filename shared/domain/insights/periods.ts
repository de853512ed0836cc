/** Month periods (`YYYY-MM`, UTC), the unit of every time series of the insights API. */
export const monthOf = (date: Date): string => date.toISOString().slice(0, 7);

/** The `count` months ending with the month of `now`, oldest first. */
export function lastMonths(now: Date, count: number): string[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return Array.from({ length: count }, (_, i) => monthOf(new Date(Date.UTC(y, m - (count - 1 - i), 1))));
}

/** The month before `period`. */
export function previousMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(y, m - 2, 1)));
}
