/** The kinds of compliance case and the statuses a case moves through (open → in_review → closed). */
export const caseKinds = ['kyc_review', 'enhanced_due_diligence', 'compliance_review'] as const;
export type CaseKind = (typeof caseKinds)[number];
export const caseStatuses = ['open', 'in_review', 'closed'] as const;
export type CaseStatus = (typeof caseStatuses)[number];
