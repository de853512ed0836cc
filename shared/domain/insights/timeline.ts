/** The timeline of risk-model and scoring-model versions: what was in force, since when, and why. */
import type { StoredModelVersion } from '../risk-model/store.js';
import { type StoredScoringModel, statusOf } from '../scoring/store.js';
import type { ModelTimeline } from './schemas.js';

const byIdAndVersion = (a: { modelId: string; version: number }, b: { modelId: string; version: number }) =>
  a.modelId.localeCompare(b.modelId) || a.version - b.version;

export function modelTimeline(
  risk: readonly StoredModelVersion[],
  scoring: readonly StoredScoringModel[],
  scoringInUse: { modelId: string; version: number } | undefined,
): ModelTimeline {
  return {
    risk: [...risk].sort(byIdAndVersion).map((v) => ({
      modelId: v.modelId,
      version: v.version,
      status: v.status,
      createdAt: v.createdAt,
      publishedAt: v.publishedAt ?? null,
      author: v.document.metadata.author,
      changeNote: v.document.metadata.changeNote,
      retiredAt: v.retiredAt ?? null,
    })),
    scoring: [...scoring].sort(byIdAndVersion).map((v) => {
      // Versions published before publication times were kept show publishedAt null.
      const status = statusOf(v, scoringInUse);
      return {
        modelId: v.modelId,
        version: v.version,
        kind: v.model.kind,
        status,
        createdAt: v.trainedAt,
        publishedAt: v.publishedAt ?? null,
        retiredAt: status === 'published' ? null : (v.retiredAt ?? null),
      };
    }),
  };
}
