import { type CompiledModel, compileModel, loadDefaultModel } from '../risk-model/index.js';
import type { PublishedModel } from './segment-customer.js';

/** Adapts a compiled risk model to what segmentation needs from it. */
export function toPublishedModel(compiled: CompiledModel): PublishedModel {
  const policies = new Map(compiled.model.segments.map((s) => [s.name, s.policyRef]));
  return {
    modelId: compiled.modelId,
    version: compiled.version,
    highRiskCountries: new Set(compiled.model.lists.highRiskCountries?.values ?? []),
    policyOf: (segment) => policies.get(segment) ?? 'UNKNOWN',
    evaluate: (sources) => compiled.evaluate(sources),
  };
}

/** Until model versions are stored (risk-model issue), the shipped default model is the published one. */
export function defaultPublishedModel(): { compiled: CompiledModel; published: PublishedModel } {
  const compiled = compileModel(loadDefaultModel());
  return { compiled, published: toPublishedModel(compiled) };
}
