import type { Finding } from './finding.js';

export interface ReportHeader {
  stage: string;
  region: string;
  account: string;
  callerArn: string;
}

const width = Math.max(...['OK', 'INFO', 'WARN', 'BLOCKER'].map((l) => l.length));

/** The report: who and where, one line per finding (with its fix), and the summary line. */
export function renderReport(header: ReportHeader, findings: readonly Finding[]): string {
  const checkWidth = Math.max(0, ...findings.map((f) => f.check.length));
  const lines = [
    `riskloop preflight: stage ${header.stage}, account ${header.account}, region ${header.region}`,
    `caller: ${header.callerArn}`,
    '',
  ];
  for (const f of findings) {
    lines.push(`${f.level.padEnd(width)}  ${f.check.padEnd(checkWidth)}  ${f.reason}`);
    if (f.fix && (f.level === 'WARN' || f.level === 'BLOCKER')) {
      lines.push(`${' '.repeat(width + checkWidth + 4)}fix: ${f.fix}`);
    }
  }
  lines.push('', summaryLine(findings));
  return `${lines.join('\n')}\n`;
}

/** "N blockers, M warnings". */
export function summaryLine(findings: readonly Finding[]): string {
  const blockers = findings.filter((f) => f.level === 'BLOCKER').length;
  const warnings = findings.filter((f) => f.level === 'WARN').length;
  return `${blockers} ${blockers === 1 ? 'blocker' : 'blockers'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
}

/** 1 when anything blocks the deploy, else 0. */
export const exitCode = (findings: readonly Finding[]): 0 | 1 =>
  findings.some((f) => f.level === 'BLOCKER') ? 1 : 0;
