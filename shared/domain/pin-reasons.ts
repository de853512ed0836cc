/** Why a compliance officer pins a segment. */
export const pinReasonCodes = [
  'SANCTIONS_POTENTIAL_MATCH',
  'PEP_CONFIRMED',
  'ADVERSE_MEDIA',
  'SUSPICIOUS_ACTIVITY',
  'LAW_ENFORCEMENT_REQUEST',
  'INVESTIGATION_OPEN',
  'ENHANCED_DUE_DILIGENCE_COMPLETED',
  'DOCUMENTS_VERIFIED',
  'MODEL_ERROR',
  'RELATIONSHIP_EXIT',
  'OTHER',
] as const;
export type PinReasonCode = (typeof pinReasonCodes)[number];
