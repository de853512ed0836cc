/**
 * Models trained elsewhere: a data team trains an XGBoost model on columns laid out as riskloop
 * encodes the published risk model's declared variables (`featureLayout`, also served by
 * GET /v1/scoring-models/feature-layout), saves it as JSON and imports it here. It is validated
 * against that layout, stored as the next version with the declarations it was built for, and
 * published like a model trained in the product. Missing values reach the trees as NaN (XGBoost's
 * missing), so every declared level set must be known up front: no data is seen at import.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ValidationError } from '../../errors.js';
import type { ModelVariable } from '../risk-model/model.js';
import { toErrorDetails } from '../validation.js';
import { documentDigest } from './document.js';
import type { TreeScoringModel } from './explain.js';
import {
  columnCounts,
  declaredFeatureSpecs,
  type FeatureSpec,
  featureNames,
  protectedPaths,
} from './features.js';
import { declarationsOf, scoringAudit } from './service.js';
import { predictiveModelId, type ScoringModelStore, type StoredScoringModel } from './store.js';
import { importXgboostModel, ModelImportError } from './xgboost.js';

export const importRequest = z
  .object({
    format: z.literal('xgboost-json'),
    /** The file `Booster.save_model('model.json')` wrote, as JSON. */
    model: z.unknown(),
    /**
     * The declared variables the model reads, in column order; by default every variable a
     * predictive model may read whose columns are known without data (numbers, booleans, declared
     * levels), in the risk model's order: what GET /v1/scoring-models/feature-layout lists.
     */
    variables: z.array(z.string().min(1).max(100)).min(1).max(500).optional(),
    publish: z.boolean().default(false),
    /**
     * The risk model whose layout the columns follow (`modelId@version`, as GET …/feature-layout
     * names it): refused if another is published now. Required when the file names no columns.
     */
    riskModel: z.string().min(1).max(100).optional(),
    /** Where the model comes from (a notebook, a pipeline run): kept in its document. */
    description: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type ImportRequest = z.infer<typeof importRequest>;

export function parseImportRequest(input: unknown): ImportRequest {
  const parsed = importRequest.safeParse(input);
  if (!parsed.success)
    throw new ValidationError('Invalid import request', toErrorDetails(parsed.error.issues));
  return parsed.data;
}

export interface FeatureLayout {
  /** The columns a model must be trained on, in order, e.g. `attributes.purpose=car_new`. */
  columns: string[];
  variables: {
    variable: string;
    encoding: FeatureSpec['kind'];
    /** This variable's columns in `columns` (first, count). */
    first: number;
    count: number;
    levels?: string[];
  }[];
}

/**
 * The specs of an imported model: the named declared variables (protected ones refused), each
 * with declared levels where it has levels at all, since no training data is there to learn them.
 */
export function importSpecs(
  variables: readonly ModelVariable[],
  names: readonly string[] | undefined,
): FeatureSpec[] {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const guarded = new Set(protectedPaths(variables));
  const problems = (names ?? []).flatMap((name, i) => {
    const v = byName.get(name);
    const path = `variables[${i}]`;
    if (!v)
      return [{ path, code: 'UNKNOWN_VARIABLE', message: 'Not a variable of the published risk model' }];
    const read = v.source.kind === 'transactions' ? `transactions.${v.source.path}` : v.source.path;
    if (v.protected || guarded.has(read))
      return [
        {
          path,
          code: 'PROTECTED_VARIABLE',
          message: 'Protected, or reads what a protected one does: never a feature',
        },
      ];
    if (v.source.kind !== 'profile' && v.source.kind !== 'transactions')
      return [{ path, code: 'NOT_A_FEATURE', message: 'Feedback and score variables are not features' }];
    return [];
  });
  if (new Set(names).size !== (names?.length ?? 0))
    problems.push({ path: 'variables', code: 'DUPLICATE_VARIABLE', message: 'A variable is named twice' });
  if (problems.length > 0) throw new ValidationError('The model names variables it cannot read', problems);
  // By default every variable that can be laid out without data: not those whose levels are learnt.
  const chosen = names ? names.map((n) => byName.get(n) as ModelVariable) : variables.filter(laidOut);
  const { specs } = declaredFeatureSpecs(chosen, [], { exclude: [...guarded] });
  const undeclaredLevels = specs.flatMap((s) =>
    (s.kind === 'categorical' && !s.declared) || s.kind === 'set'
      ? [
          {
            path: names ? `variables[${names.indexOf(s.variable ?? '')}]` : 'variables',
            code: 'LEVELS_NOT_DECLARED',
            message: 'Declare its levels (scale: categorical) in the risk model so columns can be laid out',
          },
        ]
      : [],
  );
  if (undeclaredLevels.length > 0)
    throw new ValidationError('Variables without declared levels cannot be imported', undeclaredLevels);
  return specs;
}

/** Whether a variable's columns are known without training data: not a string or list without levels. */
export const laidOut = (v: ModelVariable): boolean =>
  v.scale?.kind === 'ordinal' ||
  v.scale?.kind === 'categorical' ||
  v.type === 'number' ||
  v.type === 'boolean';

export function featureLayout(specs: readonly FeatureSpec[]): FeatureLayout {
  const counts = columnCounts(specs);
  let first = 0;
  return {
    columns: featureNames(specs),
    variables: specs.map((s, i) => {
      const count = counts[i] as number;
      const entry = {
        variable: s.variable ?? s.name,
        encoding: s.kind,
        first,
        count,
        ...(s.kind === 'ordinal'
          ? { levels: s.levels }
          : s.kind === 'categorical'
            ? { levels: s.categories }
            : {}),
      };
      first += count;
      return entry;
    }),
  };
}

export interface ImportDeps {
  models: ScoringModelStore;
  /** The published risk model's variables. */
  variables: readonly ModelVariable[];
  /** `modelId@version` of the risk model the declarations come from. */
  riskModel: string;
}

export async function importScoringModel(
  request: ImportRequest,
  deps: ImportDeps,
  actor: { principalId: string; role: string; requestId: string; now: Date },
) {
  if (request.riskModel !== undefined && request.riskModel !== deps.riskModel) {
    throw new ConflictError(
      'LAYOUT_CHANGED',
      'Another risk model is published since the layout was read: read GET /v1/scoring-models/feature-layout again',
    );
  }
  const specs = importSpecs(deps.variables, request.variables);
  // Columns without names are matched by position only: the layout they follow must be named.
  if (!namesColumns(request.model) && request.riskModel === undefined) {
    throw new ModelImportError('FEATURE_MISMATCH', 'The model does not name its columns', [
      {
        path: 'riskModel',
        code: 'FEATURE_MISMATCH',
        message: 'Save the model with feature_names, or give riskModel: the layout it was trained on',
      },
    ]);
  }
  const ensemble = importXgboostModel(request.model, { featureNames: featureNames(specs) });
  // The same file on the same variables is one version, however often it is sent.
  const sourceDigest = createHash('sha256')
    .update(JSON.stringify([request.variables ?? null, request.model]))
    .digest('hex');
  const same = (await deps.models.list()).find((m) => m.sourceDigest === sourceDigest);
  if (same) return { ...importSummary(same, ensemble.trees.length), duplicate: true, documentSha256: null };
  const version = (await deps.models.latestVersion(predictiveModelId)) + 1;
  const at = actor.now.toISOString();
  const model: TreeScoringModel = {
    ...ensemble,
    version,
    trainedAt: at,
    metrics: {
      trees: ensemble.trees.length,
      ...(request.description ? { description: request.description } : {}),
    },
  };
  const stored: StoredScoringModel = {
    modelId: predictiveModelId,
    version,
    status: request.publish ? 'published' : 'draft',
    ...(request.publish ? { publishedAt: at } : {}),
    model,
    specs,
    excluded: deps.variables.filter((v) => v.protected).map((v) => v.name),
    declarations: declarationsOf(deps.riskModel, deps.variables, specs),
    trainedBy: actor.principalId,
    trainedAt: at,
    sourceDigest,
  };
  const documentSha256 = request.publish ? documentDigest(stored) : null;
  const audit = scoringAudit('scoring.imported', version, actor, {
    format: request.format,
    formatVersion: ensemble.origin.kind === 'xgboost' ? ensemble.origin.formatVersion : null,
    trees: ensemble.trees.length,
    features: model.featureNames.length,
    published: request.publish,
    ...(documentSha256 ? { documentSha256 } : {}),
  });
  if (!(await deps.models.create(stored, request.publish, audit))) {
    const raced = (await deps.models.list()).find((m) => m.sourceDigest === sourceDigest);
    if (raced)
      return { ...importSummary(raced, ensemble.trees.length), duplicate: true, documentSha256: null };
    throw new ConflictError(
      'SCORING_VERSION_RACE',
      'Another model took this version meanwhile; import again',
    );
  }
  return { ...importSummary(stored, ensemble.trees.length), duplicate: false, documentSha256 };
}

const importSummary = (stored: StoredScoringModel, trees: number) => ({
  modelId: stored.modelId,
  version: stored.version,
  kind: 'trees' as const,
  status: stored.status,
  trees,
  features: stored.model.featureNames.length,
});

/** Whether an XGBoost file names its columns (`learner.feature_names`). */
function namesColumns(model: unknown): boolean {
  const names = (model as { learner?: { feature_names?: unknown } } | null)?.learner?.feature_names;
  return Array.isArray(names) && names.length > 0;
}
