/**
 * Ports: what the domain needs from the outside world. Adapters in shared/adapters implement
 * them with DynamoDB, SQS and KMS; nothing in shared/domain imports an AWS SDK.
 */
import type { SealedBox } from './crypto/envelope.js';
import type { Pseudonymiser } from './crypto/pseudonymiser.js';
import type { CustomerRecord } from './schemas.js';

export interface KeyService {
  /** The current pseudonymiser (MAC secret unwrapped by KMS, cached for a bounded time). */
  pseudonymiser(): Promise<Pseudonymiser>;
  /** Per-subject data keys; creates missing ones when `create` is set. */
  subjectKeys(pseudonyms: readonly string[], create: boolean): Promise<Map<string, Buffer>>;
}

/** A customer as stored: risk features in clear, personal data sealed under the subject key. */
export interface StoredProfile {
  pseudonym: string;
  macKeyVersion: string;
  customerType: CustomerRecord['type'];
  jurisdictions: string[];
  attributes: Record<string, number | string | boolean>;
  flags: NonNullable<CustomerRecord['flags']>;
  /** Lawful basis per purpose: the basis and its provenance, which are not personal data. */
  lawfulBasis: CustomerRecord['lawfulBasis'];
  /** When the business relationship ended (absent: still active); legal holds on erasure run from it. */
  relationshipEndedAt?: string;
  /**
   * The subject directory key (lookup MAC of the external id, never the id): lets the retention job
   * erase the directory entry of a subject it finds by pseudonym. Goes with the profile on erasure.
   */
  subjectLookup?: string;
  personalData?: SealedBox;
  /** Keyed digest of the canonical record: equal digest means the same content (idempotency). */
  contentDigest: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * Reads are strongly consistent unless `consistent` is false: an eventually consistent read costs
 * half and may miss a write of the last second (callers that can tell re-read strongly).
 */
export interface ProfileStore {
  getMany(pseudonyms: readonly string[], consistent?: boolean): Promise<Map<string, StoredProfile>>;
  /** Writes each profile if the stored version still equals `version - 1`; false where a race was lost. */
  putMany(profiles: readonly StoredProfile[]): Promise<boolean[]>;
  /** Forgets a content digest so the next identical upload is not mistaken for a duplicate. */
  clearDigest(pseudonym: string, digest: string): Promise<void>;
  /** Streams every pseudonym, for scheduled re-segmentation. */
  scanPseudonyms(): AsyncIterable<string[]>;
}

export interface StoredTransaction {
  pseudonym: string;
  txnRef: string;
  contentDigest: string;
  amount: number;
  currency: string;
  amountEur: number;
  fxAsOf: string;
  timestamp: string;
  direction: 'inbound' | 'outbound';
  counterpartyCountry?: string;
  paymentMethod: string;
  expiresAt: number;
}

export interface TransactionStore {
  /** Inserts each transaction unless its txnRef exists; returns the stored digests of those that existed. */
  putIfAbsent(txns: readonly StoredTransaction[]): Promise<Map<string, string>>;
  /** Strongly consistent unless `consistent` is false (see ProfileStore). */
  listSince(pseudonym: string, sinceIso: string, consistent?: boolean): Promise<StoredTransaction[]>;
}

export type SegmentationCause = 'profile' | 'transactions' | 'schedule' | 'manual' | 'model' | 'feedback';

/** A queue body: a pseudonym and why, never personal data. */
export interface SegmentationJob {
  pseudonym: string;
  cause: SegmentationCause;
  requestId: string;
  /** Set when the job belongs to a re-segmentation run, whose counters the worker advances. */
  runId?: string;
  /**
   * Set by runs over due decisions: the models in use when the run started. A worker that still
   * caches other versions re-reads them, and a customer queued only because a model changed is
   * decided from the inputs kept with its previous decision (see decision-inputs.ts).
   */
  expects?: ModelVersions;
}

/**
 * Which customers a run re-evaluates: `all`, or only those whose decision is `due` (no decision,
 * another model version, or inputs that changed with time; see segmentation/freshness.ts).
 */
export type RunScope = 'all' | 'due';

// Re-segmentation runs: their record, their shard messages and their store (./segmentation/run-ports.ts).
export type { ResegmentationRun, RunStore, ShardJob, ShardQueue } from './segmentation/run-ports.js';

export interface SegmentationQueue {
  enqueue(jobs: readonly SegmentationJob[]): Promise<void>;
}

/**
 * Who an audit record names: a person (`id` is issuer#subject; both also apart, for auditors), a
 * machine's API key principal, or the system itself (a scheduler, a worker). Built by
 * `auditActor` (./actors.ts) for callers.
 */
export interface Actor {
  type: 'person' | 'principal' | 'system';
  id: string;
  role?: string;
  issuer?: string;
  subject?: string;
  /** Carried out on a four-eyes approval: the request, and the maker who asked (the actor approved). */
  approval?: { approvalId: string; requestedBy: string };
}

/**
 * Append-only audit record. `eventId` is deterministic for the fact it records, so a retry
 * writes the same key and the store's condition turns it into a no-op.
 * Room for the hash chain of a later issue: `prevHash`/`hash` are reserved names.
 */
export interface AuditEvent {
  stream: string;
  eventId: string;
  at: string;
  day: string;
  actor: Actor;
  action:
    | 'ingest.rejected'
    | 'segment.assigned'
    | 'segment.changed'
    | 'segment.confirmed'
    | 'segment.discarded'
    | 'segment.pinned'
    | 'segment.unpinned'
    | 'scoring.trained'
    | 'scoring.imported'
    | 'scoring.published'
    | 'webhook.rejected'
    | 'webhook.secret-rotated'
    | 'model.created'
    | 'model.published'
    | 'model.retired'
    | 'approval.requested'
    | 'approval.approved'
    | 'approval.rejected'
    | 'approval.withdrawn'
    | 'approval.stale'
    | 'approval.expired'
    | 'approval.failed'
    | 'approval.effected'
    | 'subject.erased'
    | 'subject.erasure-deferred'
    | 'subject.exported'
    | 'personal-data.decrypted'
    | 'personal-data.refused'
    | 'case.opened'
    | 'case.in-review'
    | 'case.closed'
    | 'keyring.initialised'
    | 'ingest.repaired'
    | 'principal.created'
    | 'job.started'
    | 'job.cancel-requested'
    | 'job.abandoned';
  subject: string | null;
  reasonCodes: string[];
  modelVersion?: string;
  requestId: string;
  details: Record<string, unknown>;
  /** See `AUDIT_SCHEMA_VERSION` in shared/domain/audit.ts. */
  schemaVersion: 1 | 2;
}

export interface AuditLog {
  append(events: readonly AuditEvent[]): Promise<void>;
}

export interface FiredRule {
  ruleId: string;
  points: number;
  reasonCode: string;
}

export interface Assignment {
  pseudonym: string;
  /** The segment in force: the model's, unless a pin or a downgrade cooldown holds another. */
  segment: string;
  /** What the model decided, whatever is in force. */
  modelSegment: string;
  /** Set while a compliance officer's pin decides the segment. */
  pinned?: PinInForce;
  /** Set while a downgrade waits for its cooldown: since when the model has said "lower". */
  downgradePendingSince?: string;
  score: number;
  firedRules: FiredRule[];
  reasonCodes: string[];
  overrideBy?: string;
  missingVariables: string[];
  modelId: string;
  modelVersion: number;
  policyRef: string;
  listsAsOf: Record<string, string>;
  inputDigest: string;
  /**
   * The inputs the model saw (pseudonymised features and transaction aggregates), kept so a draft
   * model or a scenario can be simulated over the population without re-reading every transaction.
   */
  inputs: AssessmentInputs;
  /** The predictive score the rules could use, with the variables that drove it most. */
  prediction?: StoredPrediction;
  assignedAt: string;
  /**
   * When the inputs change by themselves (a transaction enters or leaves a window, a pin
   * expires...): until then `inputs` are exact. Null: never; absent on decisions stored before it.
   */
  recheckAt?: string | null;
  /**
   * When the outcome can first change by itself: the first window boundary at which a fired rule,
   * the score or the segment differs, a pin expiry or a cooldown end; often long after
   * `recheckAt`. A run over due decisions skips the customer until then. Null: never; absent on
   * decisions stored before it (`recheckAt` then serves).
   */
  dueAt?: string | null;
  previousSegment: string | null;
  revision: number;
}

/**
 * A prediction as kept with a decision: the five variables that moved it most, each with the value
 * the model saw, and the rest summed, so baseline + contributions + others = the log-odds (to the
 * rounding of 3 decimals). The exact explanation of every variable is recomputed on request from
 * the decision's inputs. `baseline`, `value` and `others` are absent on decisions made before them.
 */
export interface StoredPrediction {
  model: string;
  probability: number;
  score: number;
  /** Log-odds of the model's baseline. */
  baseline?: number;
  topContributions: {
    feature: string;
    contribution: number;
    value?: number | boolean | string | string[] | null;
  }[];
  /** Log-odds of the variables beyond the top five. */
  others?: number;
}

/** What an assignment shows of the pin in force: codes only, never the officer's note. */
export interface PinInForce {
  segment: string;
  /** One of `pinReasonCodes`, or `UNCODED` for a pin stored before reasons were coded. */
  reasonCode: string;
  expiresAt: string;
  pinnedBy: string;
}

/** A segment pinned by a compliance officer, until `expiresAt`. */
export interface Override {
  pseudonym: string;
  segment: string;
  /** One of `pinReasonCodes`, or `UNCODED` for a pin stored before reasons were coded. */
  reasonCode: string;
  /** The officer's free text, sealed under the subject's key (see shared/domain/staff-notes.ts). */
  note?: SealedBox;
  noteHash?: string;
  /** The free-text reason of a pin stored before reasons were coded (schema version 1), in clear. */
  legacyReason?: string;
  expiresAt: string;
  pinnedBy: string;
  pinnedAt: string;
  schemaVersion: 1 | 2;
}

export interface OverrideStore {
  getMany(pseudonyms: readonly string[]): Promise<Map<string, Override>>;
  put(override: Override, audit: AuditEvent): Promise<void>;
  /** Removes the pin; false when there was none. */
  remove(pseudonym: string, audit: AuditEvent): Promise<boolean>;
}

/** Where a customer stands: the segment and score of its current decision. */
export interface Placement {
  segment: string;
  score: number;
}

/** An audit finding about a customer: the label predictive scoring learns from. */
export interface AuditOutcome {
  pseudonym: string;
  /** Keyed digest of the record: the same outcome sent twice is one outcome. */
  outcomeId: string;
  outcome: 'issue' | 'no_issue';
  date: string;
  /** One of `outcomeSources`, `case:<caseId>` for a closed case, or (schema version 1) free text. */
  source: string;
  /** Free text about the finding, sealed under the subject's key. */
  note?: SealedBox;
  recordedBy: string;
  recordedAt: string;
  /** 1 (absent): `source` may be free text; 2: `source` is a code and text is a sealed note. */
  schemaVersion?: 1 | 2;
  /** The customer's segment and score when the outcome was recorded (absent: no decision yet). */
  placedIn?: Placement;
}

export interface OutcomeStore {
  /** Stores each outcome unless it exists; true where it was new. */
  putMany(outcomes: readonly AuditOutcome[]): Promise<boolean[]>;
  ofSubject(pseudonym: string): Promise<AuditOutcome[]>;
  scanAll(): AsyncIterable<AuditOutcome[]>;
}

export interface AssessmentInputs {
  profile: {
    customerType: string;
    jurisdictions: string[];
    attributes: Record<string, number | string | boolean>;
    flags: Record<string, unknown>;
  };
  transactions: Record<string, number>;
  /** Counterparty countries of the last 90 days with their counts, to re-count under a new high-risk list. */
  counterparties90d: Record<string, number>;
  /** Signals from the customer's survey answers (latest NPS, satisfaction, friction themes). */
  feedback?: Record<string, unknown>;
}

/** The risk and predictive models that made a decision, or are in use. */
export interface ModelVersions {
  /** `modelId@version` of the risk model. */
  model: string;
  /** `modelId@version` of the predictive model, or null when there was none. */
  scoringModel: string | null;
}

/** The versions a run compares decisions with, read once when the run starts. */
export interface CurrentVersions extends ModelVersions {
  /** The run's start: decisions whose inputs change with time before it are due. */
  asOf: string;
}

/** The times of an unchanged decision, brought up to date (see AssignmentStore.refreshRecheckAt). */
export interface RecheckRefresh {
  pseudonym: string;
  revision: number;
  recheckAt: string | null;
  dueAt: string | null;
}

/** What a run reads of a stored decision to tell whether it is due (see segmentation/freshness.ts). */
export type DecisionFreshness = Pick<Assignment, 'modelId' | 'modelVersion' | 'recheckAt' | 'dueAt'> & {
  prediction?: Pick<NonNullable<Assignment['prediction']>, 'model'>;
};

export interface AssignmentStore {
  get(pseudonym: string): Promise<Assignment | undefined>;
  /** Strongly consistent unless `consistent` is false (see ProfileStore). */
  getMany(pseudonyms: readonly string[], consistent?: boolean): Promise<Map<string, Assignment>>;
  /**
   * Writes each assignment, if its revision did not move, after its audit record: a decision is
   * never stored without its record (see the adapter for the steps).
   */
  commitMany(
    decisions: readonly { assignment: Assignment; audit: AuditEvent; previous?: Assignment }[],
  ): Promise<('committed' | 'conflict')[]>;
  /** Each customer's current segment and score (customers without a decision are absent). */
  placements(pseudonyms: readonly string[]): Promise<Map<string, Placement>>;
  /**
   * Stores a decision's `recheckAt` and `dueAt` where an unchanged re-evaluation found them
   * missing or outdated, if the revision did not move (a newer decision carries its own).
   */
  refreshRecheckAt(updates: readonly RecheckRefresh[]): Promise<void>;
  /** What a run needs to tell whether each decision is due (a projected, eventually consistent read). */
  freshness(pseudonyms: readonly string[]): Promise<Map<string, DecisionFreshness & { pseudonym: string }>>;
  /** Streams every assignment (parallel scan), for simulations and reports. */
  scanAll(): AsyncIterable<Assignment[]>;
}
