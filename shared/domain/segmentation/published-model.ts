import { type CompiledModel, compileModel, loadDefaultModel } from '../risk-model/index.js';
import type { RiskModelStore } from '../risk-model/store.js';
import {
  type ProviderRead,
  type PublishedProviderOptions,
  publishedDocumentOf,
  publishedVersionProvider,
} from './published-document.js';
import type { PublishedModel } from './segment-customer.js';

/** Adapts a compiled risk model to what segmentation needs from it. */
export function toPublishedModel(compiled: CompiledModel): PublishedModel {
  const policies = new Map(compiled.model.segments.map((s) => [s.name, s.policyRef]));
  const severity = new Map(compiled.model.segments.map((s, i) => [s.name, i]));
  const { segmentFacts } = publishedDocumentOf(compiled.model);
  return {
    segmentFacts,
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
  options: PublishedProviderOptions,
): (read?: ProviderRead) => Promise<ActiveModel> {
  return publishedVersionProvider(store, options, (model) => {
    const compiled = compileModel(model);
    return { compiled, published: toPublishedModel(compiled) };
  });
}
