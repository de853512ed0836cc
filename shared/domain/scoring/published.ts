import type { FeatureSource } from './features.js';
import { scoreInputs } from './service.js';
import type { ScoringModelStore, StoredScoringModel } from './store.js';

export type Scorer = (inputs: FeatureSource) => ReturnType<typeof scoreInputs>;

/**
 * The predictive model in use, re-checked at most every `ttlMs`: a scorer, or undefined while no
 * model has been put in use (rules that read the score then find it missing and follow their
 * missing-value policy).
 */
export function publishedScorerProvider(
  store: Pick<ScoringModelStore, 'published' | 'get'>,
  options: { ttlMs: number; clock?: () => number },
): () => Promise<Scorer | undefined> {
  const clock = options.clock ?? Date.now;
  let current: { scorer: Scorer | undefined; key: string; checkedAt: number } | undefined;
  return async () => {
    if (current && clock() - current.checkedAt < options.ttlMs) return current.scorer;
    const pointer = await store.published();
    const key = pointer ? `${pointer.modelId}@${pointer.version}` : '';
    if (current?.key !== key) {
      const stored: StoredScoringModel | undefined = pointer
        ? await store.get(pointer.modelId, pointer.version)
        : undefined;
      current = {
        scorer: stored ? (inputs) => scoreInputs(stored, inputs) : undefined,
        key,
        checkedAt: clock(),
      };
    } else {
      current.checkedAt = clock();
    }
    return current.scorer;
  };
}
