import type { AuditEvent } from '../ports.js';
import type { FeatureSpec } from './features.js';
import type { ScoringModel } from './logistic.js';

/** A trained predictive model as stored: the model, how to build its inputs, and its metrics. */
export interface StoredScoringModel {
  modelId: string;
  version: number;
  status: 'draft' | 'published' | 'retired';
  model: ScoringModel;
  specs: FeatureSpec[];
  excluded: string[];
  trainedBy: string;
  trainedAt: string;
  /** The training job that stored it (absent on versions trained before jobs). */
  jobId?: string;
  /** Labelled customers it learnt from and was validated on. */
  examples?: number;
}

export interface ScoringModelStore {
  latestVersion(modelId: string): Promise<number>;
  get(modelId: string, version: number): Promise<StoredScoringModel | undefined>;
  list(): Promise<StoredScoringModel[]>;
  published(): Promise<{ modelId: string; version: number } | undefined>;
  /** Stores a new version (and, when `publish`, points the system at it) with its audit record. */
  create(version: StoredScoringModel, publish: boolean, audit: AuditEvent): Promise<boolean>;
  /** Points the system at `version` (with its audit record), if the pointer is still `expected`. */
  publish(
    version: StoredScoringModel,
    expected: { modelId: string; version: number } | undefined,
    audit: AuditEvent,
  ): Promise<boolean>;
}
