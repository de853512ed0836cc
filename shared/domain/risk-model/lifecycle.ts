import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditActor, type RequestActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import type { AuditEvent } from '../ports.js';
import { renderModelDocument } from './document.js';
import type { RiskModel } from './model.js';
import type { RiskModelStore, StoredModelVersion } from './store.js';
import { type ModelIssue, validateModel } from './validate.js';

/** Fields the server owns: a client cannot choose its version, status or creation time. */
const serverOwned = (input: unknown, version: number, now: Date): unknown => {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const doc = input as Record<string, unknown>;
  const metadata = (doc.metadata && typeof doc.metadata === 'object' ? doc.metadata : {}) as Record<
    string,
    unknown
  >;
  return { ...doc, version, status: 'draft', metadata: { ...metadata, createdAt: now.toISOString() } };
};

function issuesError(message: string, issues: ModelIssue[]): ValidationError {
  return new ValidationError(
    message,
    issues.map((i) => ({
      path: i.path,
      code: i.code,
      message: i.position === undefined ? i.message : `${i.message} (at character ${i.position})`,
    })),
  );
}

/** Checks a candidate document without storing it. */
export function checkDraft(input: unknown, now: Date): ModelIssue[] {
  return validateModel(serverOwned(input, 1, now));
}

/**
 * An unsaved draft as simulation runs it: checked exactly as POST /v1/risk-models/validate checks it,
 * with the fields the server owns (version, status, `metadata.createdAt`) set the same way, so a draft
 * /validate calls valid always simulates and an invalid one gets the same issues. Version 0: not stored.
 * @throws ValidationError naming every issue.
 */
export function unsavedDraft(input: unknown, now: Date): RiskModel {
  const issues = checkDraft(input, now);
  if (issues.length > 0) throw issuesError('The model is invalid', issues);
  return { ...(serverOwned(input, 1, now) as RiskModel), version: 0 };
}

/** Stores a valid document as the next draft version of its model. */
export async function createDraft(
  input: unknown,
  store: RiskModelStore,
  actor: RequestActor,
): Promise<StoredModelVersion> {
  const issues = checkDraft(input, actor.now);
  if (issues.length > 0) throw issuesError('The risk model is invalid', issues);
  const modelId = String((input as { modelId: string }).modelId);
  const version = (await store.latestVersion(modelId)) + 1;
  const document = serverOwned(input, version, actor.now) as RiskModel;
  const stored: StoredModelVersion = {
    modelId,
    version,
    status: 'draft',
    document,
    createdBy: actor.principalId,
    createdAt: actor.now.toISOString(),
  };
  const audit = transitionAudit('model.created', stored, actor, { changeNote: document.metadata.changeNote });
  if (!(await store.create(stored, audit))) {
    throw new ConflictError(
      'MODEL_VERSION_TAKEN',
      'Another draft of this model was created at the same time; retry',
    );
  }
  return stored;
}

/**
 * Publishes a draft: validated again (a draft is never half-published), the previous published
 * version retired, the pointer moved and the transition audited, all in one transaction.
 */
export async function publishVersion(
  modelId: string,
  version: number,
  store: RiskModelStore,
  actor: RequestActor,
): Promise<{ published: StoredModelVersion; retired?: StoredModelVersion }> {
  const target = await publishableDraft(modelId, version, store);
  const pointer = await store.published();
  const current = pointer ? await store.get(pointer.modelId, pointer.version) : undefined;
  const at = actor.now.toISOString();
  const document: RiskModel = { ...target.document, status: 'published' };
  const markdown = renderModelDocument(document, {
    ...(current ? { previous: current.document } : {}),
    approvedBy: actor.principalId,
    publishedAt: at,
  });
  const published: StoredModelVersion = {
    ...target,
    status: 'published',
    document,
    publishedBy: actor.principalId,
    publishedAt: at,
    publishedDocument: { markdown, sha256: createHash('sha256').update(markdown, 'utf8').digest('hex') },
  };
  const retired: StoredModelVersion | undefined = current && {
    ...current,
    status: 'retired',
    document: { ...current.document, status: 'retired' },
    retiredBy: actor.principalId,
    retiredAt: at,
  };
  const audit = transitionAudit('model.published', published, actor, {
    previous: current ? `${current.modelId}@${current.version}` : null,
  });
  if (!(await store.publish(published, retired, audit))) {
    throw new ConflictError(
      'MODEL_PUBLICATION_RACE',
      'The published model changed meanwhile; nothing was published',
    );
  }
  return { published, ...(retired ? { retired } : {}) };
}

/** A draft that publication would accept now (it validates), or the refusal it would give. */
export async function publishableDraft(modelId: string, version: number, store: Pick<RiskModelStore, 'get'>) {
  const target = await draftOf(modelId, version, store, 'Only drafts can be published');
  const issues = validateModel(target.document);
  if (issues.length > 0) throw issuesError('The draft does not validate; it was not published', issues);
  return target;
}

/** A draft that may be retired, or the refusal. Published versions retire when another is published. */
export const retirableDraft = (modelId: string, version: number, store: Pick<RiskModelStore, 'get'>) =>
  draftOf(modelId, version, store, 'Only drafts can be retired; publish another version to retire this one');

async function draftOf(
  modelId: string,
  version: number,
  store: Pick<RiskModelStore, 'get'>,
  refusal: string,
) {
  const target = await store.get(modelId, version);
  if (!target) throw new NotFoundError('No such model version');
  if (target.status !== 'draft')
    throw new ConflictError('MODEL_NOT_DRAFT', `${refusal}; this version is ${target.status}`);
  return target;
}

/** Retires a draft nobody will publish. */
export async function retireDraft(
  modelId: string,
  version: number,
  store: RiskModelStore,
  actor: RequestActor,
) {
  const target = await retirableDraft(modelId, version, store);
  const retired: StoredModelVersion = {
    ...target,
    status: 'retired',
    document: { ...target.document, status: 'retired' },
    retiredBy: actor.principalId,
    retiredAt: actor.now.toISOString(),
  };
  if (!(await store.retire(retired, transitionAudit('model.retired', retired, actor, {})))) {
    throw new ConflictError('MODEL_NOT_DRAFT', 'The version changed meanwhile');
  }
  return retired;
}

/**
 * The shipped default model becomes version 1, published, the first time anyone manages models,
 * so the store and what the worker runs agree from the start.
 */
export async function ensureSeeded(
  store: RiskModelStore,
  defaultModel: RiskModel,
  actor: RequestActor,
): Promise<void> {
  if (await store.published()) return;
  if ((await store.latestVersion(defaultModel.modelId)) === 0) {
    await createDraft({ ...defaultModel, status: 'draft' }, store, actor).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
    });
  }
  const first = await store.get(defaultModel.modelId, 1);
  if (first?.status === 'draft' && !(await store.published())) {
    await publishVersion(defaultModel.modelId, 1, store, actor).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
    });
  }
}

function transitionAudit(
  action: 'model.created' | 'model.published' | 'model.retired',
  version: StoredModelVersion,
  actor: RequestActor,
  details: Record<string, unknown>,
): AuditEvent {
  return auditEvent({
    eventId: `${action}#${version.modelId}@${version.version}`,
    subject: null,
    actor: auditActor(actor),
    action,
    reasonCodes: [],
    modelVersion: `${version.modelId}@${version.version}`,
    requestId: actor.requestId,
    at: actor.now,
    details: {
      modelId: version.modelId,
      version: version.version,
      ...(version.publishedDocument ? { documentSha256: version.publishedDocument.sha256 } : {}),
      ...details,
    },
  });
}
