/**
 * How long riskloop keeps what it keeps, table by table, why, and on which legal basis. Part of
 * the one description of the system: `npm run ropa` renders it into the records of processing
 * (docs/records-of-processing.md) and the retention table (docs/retention.md), and the type below
 * makes a new table without a retention entry a compile error.
 */
import { retentionGraceDays } from '../shared/domain/privacy/retention.js';
import type { TableName } from './manifest-types.js';

export interface TableRetention {
  /** What is kept, in plain words. */
  what: string;
  /** How long, and what ends it. */
  keptFor: string;
  /** Why it is kept that long. */
  why: string;
  /** GDPR Art. 6 basis (and the sector law behind it, where there is one). */
  legalBasis: string;
  /** How deletion happens: DynamoDB TTL attribute, scheduled job, erasure, or manual. */
  deletion: string;
}

/** Point-in-time recovery window of every table: deleted items stay restorable this long. */
export const pointInTimeRecoveryDays = 35;

/** Default AML record-keeping period after the business relationship ends (AMLD Art. 40). */
export const defaultAmlRetentionYears = 5;

const aml = 'Art. 6(1)(c) GDPR: legal obligation (AML record keeping, EU AMLD Art. 40)';
const afterRelationship =
  'until the relationship ends plus the retention years of the customer’s segment policy (default 5)';
/** The DynamoDB TTL backstop the daily retention job sets on every item of a customer whose relationship ended. */
const backstop = `\`retainUntil\` TTL (period end + ${retentionGraceDays} days) is the backstop`;
const byErasure =
  `retention job (daily, audited) erases the subject when the period ends; ${backstop}; ` +
  'earlier on an erasure request without legal hold';

export const retention: Record<TableName, TableRetention> = {
  profiles: {
    what: 'risk features in clear, personal data encrypted under the subject key, lawful-basis provenance',
    keptFor: afterRelationship,
    why: 'customer due diligence records must be available to supervisors after the relationship ends',
    legalBasis: aml,
    deletion: byErasure,
  },
  subjectKeys: {
    what: 'the wrapped per-subject data key',
    keptFor: afterRelationship,
    why: 'without it the subject’s encrypted personal data cannot be read; deleting it crypto-shreds',
    legalBasis: aml,
    deletion: byErasure,
  },
  subjectIndex: {
    what: 'lookup MAC of the external id and the salt the pseudonym derives from',
    keptFor: afterRelationship,
    why: 'links new data to the existing subject; deleting it makes old pseudonyms unlinkable',
    legalBasis: aml,
    deletion: byErasure,
  },
  keyring: {
    what: 'KMS-wrapped pseudonymisation secrets and key-encryption keys (no personal data)',
    keptFor: 'as long as any data protected by the key version is kept',
    why: 'needed to pseudonymise and to unwrap subject keys',
    legalBasis: 'Art. 32 GDPR: security of processing',
    deletion: 'manual, after a completed key rotation',
  },
  transactions: {
    what: 'transaction facts by customer pseudonym; transaction ids only as keyed MACs',
    keptFor: '400 days after the transaction',
    why: 'the longest risk variable window is 12 months; riskloop is not the system of record for transactions',
    legalBasis: aml,
    deletion: 'DynamoDB TTL (`expiresAt`); erased with the subject',
  },
  assignments: {
    what: 'current segment, score, fired rules and reason codes per customer pseudonym',
    keptFor: afterRelationship,
    why: 'the risk classification is part of the customer due diligence record',
    legalBasis: aml,
    deletion: byErasure,
  },
  audit: {
    what: 'hash-chained record of every decision and access: pseudonym, actor, action, reasons',
    keptFor:
      'no automatic deletion: at least 5 years after the last relationship it covers; an erased subject’s records stay, unlinkable to the person',
    why: 'proof of what was decided, by whom and why (accountability) for the longest AML retention in scope',
    legalBasis: 'Art. 6(1)(c) and Art. 5(2) GDPR: accountability; EU AMLD Art. 40',
    deletion: 'none (append-only, tamper-evident); export and archive before any deletion decision',
  },
  principals: {
    what: 'API clients: hash of the API key, role, name',
    keptFor: 'until the key is revoked',
    why: 'authentication',
    legalBasis: 'Art. 6(1)(f) GDPR: legitimate interest in securing the service',
    deletion: 'manual revocation',
  },
  idempotency: {
    what: 'keyed digests of requests sent with an Idempotency-Key, and their 207 answers (pseudonyms only)',
    keptFor: '24 hours',
    why: 'a retried request must get the first answer, not a second write',
    legalBasis: 'Art. 6(1)(c) GDPR, as part of the AML processing it protects',
    deletion: 'DynamoDB TTL (`expiration`)',
  },
  riskModels: {
    what: 'risk model versions, who created and published them (no customer data)',
    keptFor: 'indefinitely',
    why: 'every past decision must stay explainable by the model version that took it',
    legalBasis: 'Art. 5(2) GDPR: accountability (staff names as principal ids only)',
    deletion: 'none',
  },
  overrides: {
    what: 'segments pinned by a compliance officer: segment, reason code, sealed note, expiry, who',
    keptFor: 'until the pin is lifted or expires; erased with the subject',
    why: 'a manual decision overrides the model only while it is in force',
    legalBasis: aml,
    deletion: `deleted when lifted; erased with the subject; after the relationship ends, ${backstop}`,
  },
  runs: {
    what: 're-segmentation runs and jobs: cause, options, counters, results (no customer data); the rows of segment register exports (customer pseudonyms, segment, score, reason codes)',
    keptFor: '400 days; export rows 7 days',
    why: 'operations history across a full yearly review cycle; export rows long enough to be downloaded',
    legalBasis: `not personal data; export rows: ${aml}`,
    deletion:
      'DynamoDB TTL (`expiresAt`); export rows expire after 7 days, so a customer erased meanwhile leaves every export within a week',
  },
  approvals: {
    what: 'four-eyes requests: action, target ids (a customer pseudonym for pins and legal holds), content hash, reason codes, maker and checker ids',
    keptFor: '400 days after the request',
    why: 'the approver’s inbox and the request’s state; the audit trail keeps every request and decision for good',
    legalBasis: `staff ids: Art. 6(1)(c) GDPR (model risk management and AML controls need named approvers); pseudonyms: ${aml}`,
    deletion: 'DynamoDB TTL (`retainUntil`)',
  },
  outcomes: {
    what: 'audit outcomes (issue / no issue, date, source code, note sealed under the subject key) by customer pseudonym',
    keptFor: afterRelationship,
    why: 'labels that predictive scoring learns from and that explain a model’s validation',
    legalBasis: aml,
    deletion: byErasure,
  },
  scoringModels: {
    what: 'predictive scoring models: weights, feature specs, validation metrics (no customer data)',
    keptFor: 'indefinitely',
    why: 'every past score must stay explainable by the model version that produced it',
    legalBasis: 'not personal data',
    deletion: 'none',
  },
  webhookDeliveries: {
    what: 'provider and webhook id of survey deliveries already processed',
    keptFor: '4 days',
    why: 'a replayed delivery must change nothing; providers retry for at most 3 days',
    legalBasis: 'Art. 6(1)(f) GDPR: legitimate interest in integrity of feedback',
    deletion: 'DynamoDB TTL (`expiresAt`)',
  },
  feedback: {
    what: 'linked survey responses: NPS, themes, segment at the time; the comment sealed under the subject key',
    keptFor: '2 years after the response; erased with the subject',
    why: 'NPS trends per risk segment over two yearly review cycles',
    legalBasis: 'Art. 6(1)(a) consent or 6(1)(f) legitimate interests, as recorded per customer',
    deletion:
      'DynamoDB TTL (`expiresAt`), brought forward to the subject’s retention backstop when that is earlier; ' +
      'erased with the subject',
  },
  feedbackAggregates: {
    what: 'response counters per period, segment and shard (no customer data)',
    keptFor: 'indefinitely',
    why: 'long-term NPS per segment; aggregates survive erasure',
    legalBasis: 'not personal data',
    deletion: 'none',
  },
  aggregates: {
    what: 'counters per segment, reason code, score, month and case status (no customer data)',
    keptFor: 'indefinitely',
    why: 'population KPIs read in constant time; counts survive erasure as the subject leaves them',
    legalBasis: 'not personal data',
    deletion: 'none (an erasure takes the subject out of the counts)',
  },
  cases: {
    what: 'compliance cases: subject pseudonym, kind, status, outcome codes, who moved them (no free text)',
    keptFor: afterRelationship,
    why: 'evidence that due-diligence work was done, and by whom',
    legalBasis: aml,
    deletion: 'erased with the subject',
  },
  kycReviews: {
    what: 'date of each customer’s last KYC review, by pseudonym',
    keptFor: afterRelationship,
    why: 'the next periodic review is due a segment-policy interval after the last one',
    legalBasis: aml,
    deletion: 'erased with the subject',
  },
  erasureRequests: {
    what: 'erasures deferred by a legal hold: pseudonym, hold reason and end date',
    keptFor: 'until the erasure is carried out',
    why: 'the deferred erasure must happen when the hold ends',
    legalBasis: 'Art. 6(1)(c) GDPR: Art. 17 obligation, deferred under Art. 17(3)(b)',
    deletion: 'deleted by the scheduler once the subject is erased',
  },
  segmentSnapshots: {
    what: 'customers per segment and per reason code, one item per month (counts only, no customer data)',
    keptFor: 'indefinitely',
    why: 'the segment distribution over time; the assignments table keeps only the current state',
    legalBasis: 'not personal data',
    deletion: 'none',
  },
  ingestIntents: {
    what: 'directory lookups (keyed MACs) or pseudonyms of the customers an ingestion request is writing',
    keptFor:
      'seconds (until the request queued its customers); after a crash, until the next reconciliation (10 minutes)',
    why: 'a request that dies between its writes leaves a record of what to repair, so nothing is half-written for good',
    legalBasis: 'Art. 6(1)(c) GDPR: the AML risk assessment the ingestion serves',
    deletion:
      'by the request once its queue send is done, else by the reconciler; DynamoDB TTL (`expiresAt`, 7 days) as a backstop',
  },
};
