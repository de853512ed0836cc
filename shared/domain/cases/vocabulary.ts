/** The kinds of compliance case and the statuses a case moves through (open → in_review → closed). */
export const caseKinds = ['kyc_review', 'enhanced_due_diligence', 'compliance_review'] as const;
export type CaseKind = (typeof caseKinds)[number];
export const caseStatuses = ['open', 'in_review', 'closed'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export interface CaseOutcome {
  result: 'no_issue' | 'issue_found';
  reasonCode: string;
  /** true when the result was also recorded as an audit outcome (a label for predictive scoring). */
  auditOutcomeRecorded: boolean;
}

/** A case as the API shows it; the store's record adds its bookkeeping (case.ts). */
export interface CaseRecord {
  caseId: string;
  kind: CaseKind;
  subject: string;
  segment: string | null;
  status: CaseStatus;
  reasonCode: string;
  dueAt: string | null;
  openedAt: string;
  openedBy: string;
  updatedAt: string;
  /** Who took the case into review / closed it. */
  assignee?: string;
  closedAt?: string;
  outcome?: CaseOutcome;
}
