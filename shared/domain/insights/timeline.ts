/** The timeline of risk-model and scoring-model versions: what was in force, since when, and why. */
import type { StoredModelVersion } from '../risk-model/store.js';
import type { StoredScoringModel } from '../scoring/store.js';
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
      // The pointer, not the version item, says which scoring model is in use; the store keeps no
      // publication time for scoring models, hence publishedAt null.
      const inUse = scoringInUse?.modelId === v.modelId && scoringInUse.version === v.version;
      return {
        modelId: v.modelId,
        version: v.version,
        status: inUse ? 'published' : v.status === 'published' ? 'retired' : v.status,
        createdAt: v.trainedAt,
        publishedAt: null,
      };
    }),
  };
}
