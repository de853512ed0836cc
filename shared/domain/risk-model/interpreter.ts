/**
 * The loop evaluator: resolves the variables into slots, then runs each rule as a native closure
 * (fast path) or through the cel-js interpreter. Used when codegen is disabled; the generated
 * evaluator of `codegen.ts` must produce identical results.
 */
import {
  type Assessment,
  EMPTY,
  type EvaluationPlan,
  type EvaluationSources,
  type FiredRule,
  isStringList,
  RuleEvaluationError,
  type RuntimeRule,
  type RuntimeVariable,
  ruleError,
} from './runtime.js';

/**
 * The CEL context cel-js rules read: each variable is an accessor over `values` (filling an array
 * slot is much cheaper than keyed stores into an object).
 */
export function celContext(
  vars: readonly RuntimeVariable[],
  values: readonly unknown[],
): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  vars.forEach((v, i) => {
    Object.defineProperty(context, v.name, { get: () => values[i], enumerable: true });
  });
  return context;
}

/** Per-evaluation scratch space, allocated once. */
interface Frame {
  values: unknown[];
  skipped: Uint8Array;
  context: Record<string, unknown>;
}

export function createLoopEvaluator(plan: EvaluationPlan): (sources: EvaluationSources) => Assessment {
  const {
    modelId,
    version,
    vars: runtimeVars,
    rules: runtimeRules,
    segmentNames,
    segmentMins,
    listsAsOf,
  } = plan;

  const newFrame = (): Frame => {
    const values: unknown[] = new Array(runtimeVars.length).fill(undefined);
    return { values, skipped: new Uint8Array(plan.skipCount), context: celContext(runtimeVars, values) };
  };
  const sharedFrame = newFrame();
  let busy = false;

  function evaluate(sources: EvaluationSources): Assessment {
    // Evaluation is synchronous, so one frame suffices; re-entrancy (a source getter calling
    // evaluate) gets a frame of its own.
    if (busy) return run(sources, newFrame());
    busy = true;
    try {
      return run(sources, sharedFrame);
    } finally {
      busy = false;
    }
  }

  function run(sources: EvaluationSources, frame: Frame): Assessment {
    const values = frame.values;
    const skipped = frame.skipped;
    const profile = sources.profile;
    const transactions = sources.transactions;
    const feedback = sources.feedback;
    const score = sources.score;
    let missing: string[] | undefined;
    let anySkipped = false;
    // Every slot is written on every evaluation (skipped ones with undefined), so no value of a
    // previous customer can be read by the rules of this one.
    for (let i = 0; i < runtimeVars.length; i++) {
      const v = runtimeVars[i] as RuntimeVariable;
      const source =
        v.source === 0 ? profile : v.source === 1 ? transactions : v.source === 2 ? feedback : score;
      let value =
        source === undefined || source === null ? undefined : v.get(source as Record<string, unknown>);
      if (value === undefined || value === null) {
        if (missing === undefined) missing = [];
        missing.push(v.name);
        if (v.skipIndex >= 0) {
          skipped[v.skipIndex] = 1;
          anySkipped = true;
          values[i] = undefined;
          continue;
        }
        value = v.defaultValue;
      } else if (
        v.type === 0
          ? typeof value !== 'number' || !Number.isFinite(value)
          : v.type === 1
            ? typeof value !== 'string'
            : v.type === 2
              ? typeof value !== 'boolean'
              : !isStringList(value)
      ) {
        throw new RuleEvaluationError(v.firstRuleId, 'variable_type_mismatch', v.name);
      }
      if (v.skipIndex >= 0) skipped[v.skipIndex] = 0;
      values[i] = value;
    }

    let total = 0;
    let overrideIndex = -1;
    let overrideBy: string | undefined;
    const firedRules: FiredRule[] = [];
    for (let r = 0; r < runtimeRules.length; r++) {
      const rule = runtimeRules[r] as RuntimeRule;
      if (anySkipped && isSkipped(rule.skipDeps, skipped)) continue;
      let result: unknown;
      try {
        result = rule.native !== undefined ? rule.native(values) : rule.fn(frame.context);
      } catch (error) {
        throw ruleError(rule.id, error);
      }
      if (result === true) {
        total += rule.points;
        firedRules.push(rule.fired);
        if (rule.overrideIndex > overrideIndex) {
          overrideIndex = rule.overrideIndex;
          overrideBy = rule.id;
        }
      }
    }

    let band = segmentMins.length - 1;
    while (band > 0 && total < (segmentMins[band] as number)) band--;
    const assessment: Assessment = {
      modelId,
      version,
      score: total,
      segment: segmentNames[Math.max(band, overrideIndex)] as string,
      firedRules,
      missingVariables: missing ?? EMPTY,
      listsAsOf,
    };
    if (overrideIndex > band && overrideBy !== undefined) assessment.overrideBy = overrideBy;
    return assessment;
  }

  return evaluate;
}

function isSkipped(deps: number[], skipped: Uint8Array): boolean {
  for (const d of deps) if (skipped[d] === 1) return true;
  return false;
}
