export {
  type Assessment,
  type CompiledModel,
  type CompileOptions,
  compileModel,
  type EvaluationSources,
  type FiredRule,
  type ModelIssue,
  type ModelIssueCode,
  ModelValidationError,
  RuleEvaluationError,
  type RuleExecution,
  validateModel,
} from './compile.js';
export { loadDefaultModel } from './default-model.js';
export {
  type MissingPolicy,
  type ModelList,
  type ModelRule,
  type ModelSegment,
  type ModelVariable,
  matchesVariableType,
  type RiskModel,
  type RiskModelStatus,
  riskModelSchema,
  type SourceKind,
  type VariableType,
  type VariableValue,
} from './model.js';
