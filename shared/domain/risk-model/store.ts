import type { AuditEvent } from '../ports.js';
import type { RiskModel } from './model.js';

/** A stored version: the document plus who did what to it, and when. */
export interface StoredModelVersion {
  modelId: string;
  version: number;
  status: RiskModel['status'];
  document: RiskModel;
  createdBy: string;
  createdAt: string;
  publishedBy?: string;
  publishedAt?: string;
  retiredBy?: string;
  retiredAt?: string;
  /** The auditor's document rendered at publication, kept with the version, and its SHA-256. */
  publishedDocument?: { markdown: string; sha256: string };
}

export interface PublishedPointer {
  modelId: string;
  version: number;
}

/** Port: where model versions live. Transitions are atomic with their audit records. */
export interface RiskModelStore {
  latestVersion(modelId: string): Promise<number>;
  get(modelId: string, version: number): Promise<StoredModelVersion | undefined>;
  list(): Promise<StoredModelVersion[]>;
  published(): Promise<PublishedPointer | undefined>;
  /** Stores a new version; false if that version number was taken meanwhile. */
  create(version: StoredModelVersion, audit: AuditEvent): Promise<boolean>;
  /**
   * Publishes `next` and retires `previous` (if any) in one transaction with the audit record;
   * false if another publication or change happened meanwhile (nothing is half-published).
   */
  publish(
    next: StoredModelVersion,
    previous: StoredModelVersion | undefined,
    audit: AuditEvent,
  ): Promise<boolean>;
  retire(version: StoredModelVersion, audit: AuditEvent): Promise<boolean>;
}
