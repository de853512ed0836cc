import type { SegmentFacts } from '../events/builders.js';
import type { CurrentVersions } from '../ports.js';
import { loadDefaultModel } from '../risk-model/default-model.js';
import { type RiskModel, segmentPolicyOf } from '../risk-model/model.js';
import type { RiskModelStore } from '../risk-model/store.js';
import type { ScoringModelStore } from '../scoring/store.js';
import { modelsInUse, versionKey } from './freshness.js';

/**
 * The published risk model as a document: segments, policies, rule texts. For functions that
 * read the model but never evaluate a rule, so the rule compiler (the CEL engine, ~83 KB) stays
 * out of their bundles. Functions that segment use publishedModelProvider (published-model.ts).
 */
export interface PublishedDocument {
  modelId: string;
  version: number;
  model: RiskModel;
  /** Policy and review interval of a segment; undefined for a segment the model lacks. */
  segmentFacts(segment: string): SegmentFacts | undefined;
}

export function publishedDocumentOf(model: RiskModel): PublishedDocument {
  const facts = new Map(
    model.segments.map((s) => [
      s.name,
      { policyRef: s.policyRef, reviewIntervalMonths: s.reviewIntervalMonths, policy: segmentPolicyOf(s) },
    ]),
  );
  return {
    modelId: model.modelId,
    version: model.version,
    model,
    segmentFacts: (segment) => facts.get(segment),
  };
}

/**
 * Variables the model marks protected (age, sex, …), by name and by source path (`age` and
 * `attributes.age`): never features of a scoring model, never dimensions of a cluster report.
 */
export function protectedVariables({ model }: Pick<PublishedDocument, 'model'>): string[] {
  return model.variables.filter((v) => v.protected).flatMap((v) => [v.name, v.source.path]);
}

/** `fresh`: read the store now, whatever the cache's age (a publication may not be seen yet). */
export interface ProviderRead {
  fresh?: boolean;
}

export interface PublishedProviderOptions {
  /** How long a warm container trusts its view of which version is published. */
  ttlMs: number;
  /** Used until a version is published in the store (default: the shipped default model). */
  fallback?: RiskModel;
  clock?: () => number;
}

/**
 * The store's published version, re-checked at most every `ttlMs` (so a publication reaches warm
 * containers within that time, without a deploy), or at once when read `fresh`; turned into `T` by
 * `build` once per version.
 * Before anything is published, the fallback model.
 */
export function publishedVersionProvider<T>(
  store: Pick<RiskModelStore, 'published' | 'get'>,
  options: PublishedProviderOptions,
  build: (model: RiskModel) => T,
): (read?: ProviderRead) => Promise<T> {
  const clock = options.clock ?? Date.now;
  const builtByVersion = new Map<string, T>();
  let current: { value: T; checkedAt: number } | undefined;
  const builtFor = async (key: string, load: () => Promise<RiskModel>): Promise<T> => {
    if (!builtByVersion.has(key)) builtByVersion.set(key, build(await load()));
    return builtByVersion.get(key) as T;
  };
  return async (read) => {
    if (current && !read?.fresh && clock() - current.checkedAt < options.ttlMs) return current.value;
    const pointer = await store.published();
    let value: T;
    if (!pointer) {
      const model = options.fallback ?? loadDefaultModel();
      // Its own key: a stored version with the same id and number must not be served from it.
      value = await builtFor(`fallback:${versionKey(model)}`, async () => model);
    } else {
      const key = versionKey(pointer);
      value = await builtFor(key, async () => {
        const stored = await store.get(pointer.modelId, pointer.version);
        if (!stored) throw new Error(`Published model ${key} is missing from the store`);
        return stored.document;
      });
    }
    current = { value, checkedAt: clock() };
    return value;
  };
}

/** The published model as a document, without compiling it. */
export function publishedDocumentProvider(
  store: Pick<RiskModelStore, 'published' | 'get'>,
  options: PublishedProviderOptions,
): (read?: ProviderRead) => Promise<PublishedDocument> {
  return publishedVersionProvider(store, options, publishedDocumentOf);
}

/** The risk model (or, before any publication, the fallback) and predictive model in use now. */
export async function currentVersions(
  stores: {
    riskModels: Pick<RiskModelStore, 'published'>;
    scoringModels: Pick<ScoringModelStore, 'published'>;
  },
  now: Date,
  fallback: Pick<RiskModel, 'modelId' | 'version'> = loadDefaultModel(),
): Promise<CurrentVersions> {
  const [model, scoring] = await Promise.all([
    stores.riskModels.published(),
    stores.scoringModels.published(),
  ]);
  return {
    ...modelsInUse(model ?? fallback, scoring ? { model: versionKey(scoring) } : undefined),
    asOf: now.toISOString(),
  };
}
