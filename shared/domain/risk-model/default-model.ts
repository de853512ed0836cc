import defaultModelDocument from '../../data/risk-models/default.json' with { type: 'json' };
import type { RiskModel } from './model.js';
import { riskModelSchema } from './schema.js';

/** The default AML model shipped with riskloop (`shared/data/risk-models/default.json`), schema-validated. */
export function loadDefaultModel(): RiskModel {
  return riskModelSchema.parse(defaultModelDocument);
}
