/** One line of the report. */
export type Level = 'OK' | 'INFO' | 'WARN' | 'BLOCKER';

export interface Finding {
  /** Short name of the check: identity, region, bootstrap, concurrency, ... */
  check: string;
  level: Level;
  /** One line: what was found. */
  reason: string;
  /** For WARN and BLOCKER: what to do about it. */
  fix?: string | undefined;
}

export const okay = (check: string, reason: string): Finding => ({ check, level: 'OK', reason });
export const info = (check: string, reason: string): Finding => ({ check, level: 'INFO', reason });
export const warn = (check: string, reason: string, fix: string): Finding => ({
  check,
  level: 'WARN',
  reason,
  fix,
});
export const blocker = (check: string, reason: string, fix: string): Finding => ({
  check,
  level: 'BLOCKER',
  reason,
  fix,
});

/** The warning for a fact a call could not establish: names the missing permission when that was the cause. */
export function unknownFact(
  check: string,
  what: string,
  observed: { kind: 'denied' | 'failed'; action: string; message: string },
): Finding {
  return observed.kind === 'denied'
    ? warn(
        check,
        `could not ${what}: ${observed.action} denied`,
        `grant ${observed.action} (read-only) to the caller and re-run`,
      )
    : warn(
        check,
        `could not ${what}: ${observed.message}`,
        're-run; if it persists, check the API named above',
      );
}

/** `n thing` / `n things`. */
export const count = (n: number, singular: string, plural = `${singular}s`) =>
  `${n} ${n === 1 ? singular : plural}`;

/** A list of names, cut after `max` so one report line stays readable. */
export function listed(names: readonly string[], max = 4): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, +${names.length - max} more` : shown;
}
