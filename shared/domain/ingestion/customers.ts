import type { ErrorDetail } from '../../errors.js';
import { auditActor, type RequestActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import { canonicalJson } from '../canonical.js';
import { sealJson } from '../crypto/envelope.js';
import type { Pseudonymiser } from '../crypto/pseudonymiser.js';
import { isWellFormed, safeInput } from '../input-safety.js';
import { checkLawfulBasis } from '../lawful-basis.js';
import type {
  AuditEvent,
  AuditLog,
  KeyService,
  ProfileStore,
  SegmentationQueue,
  StoredProfile,
} from '../ports.js';
import { resolveSubjects, type SubjectDirectory } from '../privacy/subject-directory.js';
import { type CustomerRecord, customerRecord } from '../schemas.js';
import { toErrorDetails } from '../validation.js';
import { type IngestIntent, type IngestIntents, underIntent } from './intents.js';
import type { ItemResult } from './results.js';

export interface CustomerIngestionDeps {
  keys: KeyService;
  intents: IngestIntents;
  profiles: ProfileStore;
  queue: SegmentationQueue;
  audit: AuditLog;
  subjects: SubjectDirectory;
}

/** The AAD of a profile's sealed personal data: the box only opens for this subject. */
export const personalDataContext = (pseudonym: string) => `riskloop:profile:${pseudonym}:personalData`;

interface Candidate {
  index: number;
  record: CustomerRecord;
  pseudonym: string;
  /** The subject directory key, kept on the profile so the retention job can erase the entry. */
  lookup: string;
  digest: string;
}

/**
 * Validates, checks the lawful basis, pseudonymises and encrypts a batch of customers, then
 * queues their segmentation. Re-sent content is recognised by its keyed digest and changes
 * nothing: no second write, no second segmentation, no second audit record.
 */
export async function ingestCustomers(
  items: readonly unknown[],
  deps: CustomerIngestionDeps,
  ctx: RequestActor,
): Promise<ItemResult[]> {
  const pseudonymiser = await deps.keys.pseudonymiser();
  const parsed = items.map((item) => ({ item, result: recordSchema.safeParse(item) }));
  // Only records that will be accepted get a subject: a typo or a missing lawful basis never creates a
  // directory entry (a lookup would otherwise find a customer that was never accepted). The others are
  // only looked up, so a known customer's rejection is still audited under its pseudonym.
  const valid = new Set(
    parsed.flatMap((p) =>
      p.result.success && checkLawfulBasis(p.result.data.lawfulBasis, 'risk_assessment', ctx.now).ok
        ? [p.result.data.externalId]
        : [],
    ),
  );
  // Before the first write (the directory entries), what this request may create: a crash from here on
  // is repaired from it (reconcile.ts).
  const intent: IngestIntent | undefined =
    valid.size === 0
      ? undefined
      : {
          intentId: ctx.requestId,
          kind: 'customers',
          lookups: [...valid].map((id) => pseudonymiser.subjectLookup(id)),
          createdAt: ctx.now.toISOString(),
        };
  return underIntent(deps.intents, intent, () => writeCustomers(parsed, valid, pseudonymiser, deps, ctx));
}

async function writeCustomers(
  parsed: { item: unknown; result: ReturnType<typeof recordSchema.safeParse> }[],
  valid: ReadonlySet<string>,
  pseudonymiser: Pseudonymiser,
  deps: CustomerIngestionDeps,
  ctx: RequestActor,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const rejections: AuditEvent[] = [];
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const subjects = await resolveSubjects(
    [...new Set([...parsed.flatMap((p) => usableId(p.item) ?? []), ...valid])],
    pseudonymiser,
    deps.subjects,
    { create: (id) => valid.has(id), now: ctx.now },
  );

  parsed.forEach(({ item, result: parsedRecord }, index) => {
    const itemId = usableId(item);
    const pseudonym = itemId === undefined ? undefined : subjects.get(itemId)?.pseudonym;
    if (!parsedRecord.success) {
      results.push(
        reject(
          index,
          pseudonym,
          'VALIDATION_FAILED',
          'Record failed validation',
          toErrorDetails(parsedRecord.error.issues),
        ),
      );
      return;
    }
    const record = parsedRecord.data;
    const subject = subjects.get(record.externalId);
    const digest = pseudonymiser.digest('content', canonicalJson(record));
    const basis = checkLawfulBasis(record.lawfulBasis, 'risk_assessment', ctx.now);
    if (!basis.ok) {
      results.push(reject(index, subject?.pseudonym, basis.code, basis.message));
      rejections.push(rejectionAudit(subject?.pseudonym ?? null, digest, basis.code, ctx));
      return;
    }
    if (!subject) throw new Error('Subject missing from the directory after creation');
    const id = subject.pseudonym;
    if (seen.has(id)) {
      results.push(
        reject(index, id, 'DUPLICATE_IN_BATCH', 'The same externalId appears earlier in this batch'),
      );
      return;
    }
    seen.add(id);
    candidates.push({ index, record, pseudonym: id, lookup: subject.lookup, digest });
  });

  await deps.audit.append(rejections);
  if (candidates.length === 0) return results;

  const existing = await deps.profiles.getMany(candidates.map((c) => c.pseudonym));
  const changed = candidates.filter((c) => {
    if (existing.get(c.pseudonym)?.contentDigest !== c.digest) return true;
    results.push({ index: c.index, status: 'duplicate', pseudonym: c.pseudonym });
    return false;
  });
  if (changed.length === 0) return results;

  const keys = await deps.keys.subjectKeys(
    changed.map((c) => c.pseudonym),
    true,
  );
  const profiles = changed.map((c) => {
    const key = keys.get(c.pseudonym);
    if (!key) throw new Error('Subject key missing after creation');
    return toProfile(c, existing.get(c.pseudonym), key, pseudonymiser, ctx.now);
  });
  const stored = await deps.profiles.putMany(profiles).catch(async (error: unknown) => {
    // Profiles are written one conditional put each: some may be stored although the call failed.
    // Unmark them, or a retry of the request would take them for duplicates and never segment them.
    await Promise.allSettled(changed.map((c) => deps.profiles.clearDigest(c.pseudonym, c.digest)));
    throw error;
  });
  const written = changed.filter((c, i) => {
    if (stored[i]) {
      results.push({ index: c.index, status: 'accepted', pseudonym: c.pseudonym });
      return true;
    }
    results.push(
      reject(c.index, c.pseudonym, 'CONCURRENT_UPDATE', 'Another request updated this customer; retry'),
    );
    return false;
  });

  try {
    await deps.queue.enqueue(
      written.map((c) => ({ pseudonym: c.pseudonym, cause: 'profile' as const, requestId: ctx.requestId })),
    );
  } catch (error) {
    // Same reason: a retry must see these customers as changed and enqueue them.
    await Promise.allSettled(written.map((c) => deps.profiles.clearDigest(c.pseudonym, c.digest)));
    throw error;
  }
  return results;
}

function toProfile(
  c: Candidate,
  previous: StoredProfile | undefined,
  key: Buffer,
  pseudonymiser: Pseudonymiser,
  now: Date,
): StoredProfile {
  const { record } = c;
  return {
    pseudonym: c.pseudonym,
    macKeyVersion: pseudonymiser.keyVersion,
    subjectLookup: c.lookup,
    customerType: record.type,
    jurisdictions: [...new Set(record.jurisdictions)].sort(),
    attributes: record.attributes ?? {},
    flags: record.flags ?? {},
    lawfulBasis: record.lawfulBasis,
    ...(record.relationshipEndedAt
      ? { relationshipEndedAt: new Date(record.relationshipEndedAt).toISOString() }
      : {}),
    ...(record.personalData
      ? { personalData: sealJson(key, record.personalData, personalDataContext(c.pseudonym)) }
      : {}),
    contentDigest: c.digest,
    version: (previous?.version ?? 0) + 1,
    createdAt: previous?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** The externalId of a record, when usable as one, so even an invalid record's rejection can be traced. */
/** A record's schema, after the checks every input gets (reserved keys, exact numbers, well-formed text). */
const recordSchema = safeInput(customerRecord);

function usableId(item: unknown): string | undefined {
  const externalId = (item as { externalId?: unknown } | null)?.externalId;
  // An ill-formed id is no id: two of them may collapse into one pseudonym.
  return typeof externalId === 'string' &&
    externalId.trim().length > 0 &&
    externalId.length <= 128 &&
    isWellFormed(externalId)
    ? externalId
    : undefined;
}

function reject(
  index: number,
  pseudonym: string | undefined,
  code: string,
  message: string,
  details?: ErrorDetail[],
): ItemResult {
  return {
    index,
    status: 'rejected',
    ...(pseudonym ? { pseudonym } : {}),
    code,
    message,
    ...(details ? { details } : {}),
  };
}

function rejectionAudit(
  pseudonym: string | null,
  digest: string,
  code: string,
  ctx: RequestActor,
): AuditEvent {
  return auditEvent({
    eventId: `ingest.rejected#${digest}`,
    subject: pseudonym,
    actor: auditActor(ctx),
    action: 'ingest.rejected',
    reasonCodes: [code],
    requestId: ctx.requestId,
    at: ctx.now,
    details: { purpose: 'risk_assessment' },
  });
}
