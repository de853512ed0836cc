import { type CompiledModel, compileModel, loadDefaultModel, type RiskModel } from '../risk-model/index.js';
import { segmentPolicyOf } from '../risk-model/model.js';
import type { RiskModelStore } from '../risk-model/store.js';
import type { PublishedModel } from './segment-customer.js';

/** Adapts a compiled risk model to what segmentation needs from it. */
export function toPublishedModel(compiled: CompiledModel): PublishedModel {
  const policies = new Map(compiled.model.segments.map((s) => [s.name, s.policyRef]));
  const severity = new Map(compiled.model.segments.map((s, i) => [s.name, i]));
  const facts = new Map(
    compiled.model.segments.map((s) => [
      s.name,
      { policyRef: s.policyRef, reviewIntervalMonths: s.reviewIntervalMonths, policy: segmentPolicyOf(s) },
    ]),
  );
  return {
    segmentFacts: (segment) => facts.get(segment),
    severityOf: (segment) => severity.get(segment) ?? -1,
    downgradeCooldownDays: compiled.model.stability?.downgradeCooldownDays ?? 0,
    modelId: compiled.modelId,
    version: compiled.version,
    highRiskCountries: new Set(compiled.model.lists.highRiskCountries?.values ?? []),
    policyOf: (segment) => policies.get(segment) ?? 'UNKNOWN',
    evaluate: (sources) => compiled.evaluate(sources),
  };
}

export interface ActiveModel {
  compiled: CompiledModel;
  published: PublishedModel;
}

/** The shipped default model, used until a version is published in the store. */
export function defaultPublishedModel(): ActiveModel {
  const compiled = compileModel(loadDefaultModel());
  return { compiled, published: toPublishedModel(compiled) };
}

/**
 * The model the system runs: the store's published version, re-checked at most every `ttlMs`
 * (so a publication reaches warm containers within that time, without a deploy) and compiled
 * once per version. Before anything is published, the shipped default model.
 */
export function publishedModelProvider(
  store: Pick<RiskModelStore, 'published' | 'get'>,
  options: { ttlMs: number; fallback?: RiskModel; clock?: () => number },
): () => Promise<ActiveModel> {
  const clock = options.clock ?? Date.now;
  const compiledByVersion = new Map<string, ActiveModel>();
  let current: { model: ActiveModel; checkedAt: number } | undefined;
  const fallback = () => {
    const model = options.fallback ?? loadDefaultModel();
    const key = `${model.modelId}@${model.version}`;
    let active = compiledByVersion.get(key);
    if (!active) {
      const compiled = compileModel(model);
      active = { compiled, published: toPublishedModel(compiled) };
      compiledByVersion.set(key, active);
    }
    return active;
  };
  return async () => {
    if (current && clock() - current.checkedAt < options.ttlMs) return current.model;
    const pointer = await store.published();
    let model: ActiveModel;
    if (!pointer) {
      model = fallback();
    } else {
      const key = `${pointer.modelId}@${pointer.version}`;
      const cached = compiledByVersion.get(key);
      if (cached) {
        model = cached;
      } else {
        const stored = await store.get(pointer.modelId, pointer.version);
        if (!stored) throw new Error(`Published model ${key} is missing from the store`);
        const compiled = compileModel(stored.document);
        model = { compiled, published: toPublishedModel(compiled) };
        compiledByVersion.set(key, model);
      }
    }
    current = { model, checkedAt: clock() };
    return model;
  };
}
