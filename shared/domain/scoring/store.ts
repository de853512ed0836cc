import type { AuditEvent } from '../ports.js';
import type { ModelVariable } from '../risk-model/model.js';
import type { PredictiveModel } from './explain.js';
import type { FeatureSpec } from './features.js';

/** The one predictive model's id; its versions are trained or imported. */
export const predictiveModelId = 'predictive';

/** A trained predictive model as stored: the model, how to build its inputs, and its metrics. */
export interface StoredScoringModel {
  modelId: string;
  version: number;
  status: 'draft' | 'published' | 'retired';
  model: PredictiveModel;
  specs: FeatureSpec[];
  excluded: string[];
  /** Attributes seen in training that no variable declared, so not used (absent before declarations). */
  undeclared?: string[];
  /**
   * The risk-model variable declarations it was trained (or imported) with, as they were then, and
   * the risk model they come from: a later risk-model version cannot change what this one reads.
   */
  declarations?: { riskModel: string; variables: ModelVariable[] };
  trainedBy: string;
  trainedAt: string;
  /** The training job that stored it (absent on versions trained before jobs). */
  jobId?: string;
  /** An imported model's file and variables, digested: the same import twice is one version. */
  sourceDigest?: string;
  /** Labelled customers it learnt from and was validated on. */
  examples?: number;
  /** When it was last put in use (absent: never, or before publication times were kept). */
  publishedAt?: string;
  /** When another version last replaced it in use. */
  retiredAt?: string;
}

export interface ScoringModelStore {
  latestVersion(modelId: string): Promise<number>;
  get(modelId: string, version: number): Promise<StoredScoringModel | undefined>;
  list(): Promise<StoredScoringModel[]>;
  published(): Promise<{ modelId: string; version: number } | undefined>;
  /** Stores a new version (and, when `publish`, points the system at it) with its audit record. */
  create(version: StoredScoringModel, publish: boolean, audit: AuditEvent): Promise<boolean>;
  /**
   * Points the system at `version` (with its audit record), if the pointer is still `expected`,
   * marking it published and the one it replaces retired, as of `at`.
   */
  publish(
    version: StoredScoringModel,
    expected: { modelId: string; version: number } | undefined,
    audit: AuditEvent,
    at: string,
  ): Promise<boolean>;
}

/**
 * A version's status as it stands: the pointer says which is in use; one ever published and not in
 * use now was replaced (its item may still say `published` if stored before replacements were kept).
 */
export function statusOf(
  v: Pick<StoredScoringModel, 'modelId' | 'version' | 'status' | 'publishedAt'>,
  inUse: { modelId: string; version: number } | undefined,
): StoredScoringModel['status'] {
  if (inUse?.modelId === v.modelId && inUse.version === v.version) return 'published';
  return v.publishedAt !== undefined || v.status !== 'draft' ? 'retired' : 'draft';
}
