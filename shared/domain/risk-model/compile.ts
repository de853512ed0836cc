/**
 * Compiles a risk-model document into an explainable evaluator.
 *
 * The document is validated and every rule type-checked (`validate.ts`); the result is turned into a
 * runtime plan (`runtime.ts`) and then, by default, into one generated JavaScript function for the
 * whole model (`codegen.ts`). With codegen off, a loop runs each rule as a native closure over the
 * checked AST (`fast-path.ts`) or through the cel-js interpreter (`interpreter.ts`).
 */
import { generateEvaluator } from './codegen.js';
import { createLoopEvaluator } from './interpreter.js';
import type { RiskModel } from './model.js';
import { type Assessment, buildPlan, type EvaluationSources } from './runtime.js';
import { analyse, ModelValidationError } from './validate.js';

export {
  type Assessment,
  type EvaluationSources,
  type FiredRule,
  RuleEvaluationError,
} from './runtime.js';
export { type ModelIssue, type ModelIssueCode, ModelValidationError, validateModel } from './validate.js';

/**
 * How a rule runs: 'generated' (inlined into the model's generated function), 'native' (checked AST
 * compiled to JS closures) or 'cel' (cel-js interpreter).
 */
export type RuleExecution = 'generated' | 'native' | 'cel';

export interface CompiledModel {
  readonly modelId: string;
  readonly version: number;
  /** The validated model document this was compiled from. */
  readonly model: RiskModel;
  /** Variables each rule references (computed from the expression AST at compile time). */
  readonly ruleDependencies: Readonly<Record<string, readonly string[]>>;
  readonly ruleExecution: Readonly<Record<string, RuleExecution>>;
  /**
   * Source of the generated evaluator, for review and debugging (undefined when codegen is off).
   * It contains no text of the model: names, paths and ids are passed in as data.
   */
  readonly generatedSource: string | undefined;
  /** @throws RuleEvaluationError when an input has the wrong type or a rule fails at runtime. */
  evaluate(sources: EvaluationSources): Assessment;
}

export interface CompileOptions {
  /**
   * Run rules made only of typed variables, literals, comparisons, boolean logic, ternaries, list
   * membership and `sets.*` natively (default true). Other rules, or all rules when false, are
   * evaluated by the cel-js interpreter.
   */
  nativeFastPath?: boolean;
  /**
   * Compile the whole model (variable resolution, native rules, scoring, bands, overrides) into one
   * generated JavaScript function (default: the value of `nativeFastPath`). Rules outside the
   * generated subset are called from it through their closure or cel-js. When false, a loop over
   * closures and cel-js evaluates the model.
   */
  codegen?: boolean;
}

/** Validates and compiles `model`. @throws ModelValidationError listing every issue. */
export function compileModel(model: RiskModel, options: CompileOptions = {}): CompiledModel {
  const { issues, model: parsed, rules, lists } = analyse(model);
  if (issues.length > 0 || parsed === undefined) throw new ModelValidationError(issues);
  const nativeFastPath = options.nativeFastPath ?? true;
  const plan = buildPlan(parsed, rules, lists, nativeFastPath);

  const ruleDependencies: Record<string, readonly string[]> = {};
  for (const { index, variables } of rules) {
    const id = parsed.rules[index]?.id ?? '';
    ruleDependencies[id] = Object.freeze(
      parsed.variables.map((v) => v.name).filter((n) => variables.includes(n)),
    );
  }

  const ruleExecution: Record<string, RuleExecution> = {};
  let evaluate: (sources: EvaluationSources) => Assessment;
  let generatedSource: string | undefined;
  if (options.codegen ?? nativeFastPath) {
    const generated = generateEvaluator(plan, { native: nativeFastPath });
    plan.rules.forEach((r, i) => {
      ruleExecution[r.id] =
        generated.inlined[i] === true ? 'generated' : r.native !== undefined ? 'native' : 'cel';
    });
    evaluate = generated.evaluate;
    generatedSource = generated.source;
  } else {
    for (const r of plan.rules) ruleExecution[r.id] = r.native !== undefined ? 'native' : 'cel';
    evaluate = createLoopEvaluator(plan);
  }

  return Object.freeze({
    modelId: parsed.modelId,
    version: parsed.version,
    model: parsed,
    ruleDependencies: Object.freeze(ruleDependencies),
    ruleExecution: Object.freeze(ruleExecution),
    generatedSource,
    evaluate,
  });
}
