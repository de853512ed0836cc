import { versionKey } from '../segmentation/freshness.js';
import type { ProviderRead } from '../segmentation/published-document.js';
import { scoreInputs } from './explain.js';
import type { FeatureSource } from './features.js';
import type { ScoringModelStore, StoredScoringModel } from './store.js';

/** Scores a customer's inputs; `model` names the predictive model (`modelId@version`). */
export type Scorer = ((inputs: FeatureSource) => ReturnType<typeof scoreInputs>) & { readonly model: string };

/**
 * The predictive model in use, re-checked at most every `ttlMs` (or at once when read `fresh`): a
 * scorer, or undefined while no model has been put in use (rules that read the score then find it
 * missing and follow their missing-value policy).
 */
export function publishedScorerProvider(
  store: Pick<ScoringModelStore, 'published' | 'get'>,
  options: { ttlMs: number; clock?: () => number },
): (read?: ProviderRead) => Promise<Scorer | undefined> {
  const clock = options.clock ?? Date.now;
  let current: { scorer: Scorer | undefined; key: string; checkedAt: number } | undefined;
  return async (read) => {
    if (current && !read?.fresh && clock() - current.checkedAt < options.ttlMs) return current.scorer;
    const pointer = await store.published();
    const key = pointer ? versionKey(pointer) : '';
    if (current?.key !== key) {
      const stored: StoredScoringModel | undefined = pointer
        ? await store.get(pointer.modelId, pointer.version)
        : undefined;
      current = {
        scorer: stored
          ? Object.assign((inputs: FeatureSource) => scoreInputs(stored, inputs), { model: key })
          : undefined,
        key,
        checkedAt: clock(),
      };
    } else {
      current.checkedAt = clock();
    }
    return current.scorer;
  };
}
