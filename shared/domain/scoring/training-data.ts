/**
 * What a training set must satisfy, and the typed error raised when it does not.
 */
import { AppError, type ErrorDetail } from '../../errors.js';

export interface TrainingRow {
  features: readonly number[];
  label: 0 | 1;
}

export type TrainingDataErrorCode =
  | 'TOO_FEW_OUTCOMES'
  | 'SINGLE_CLASS'
  | 'FEATURE_MISMATCH'
  | 'NON_FINITE_VALUE'
  | 'INVALID_LABEL';

/**
 * Training data (or a scoring input) a model cannot use: a 422 once it reaches the API. Like every
 * AppError, messages and details name positions and counts, never values.
 */
export class TrainingDataError extends AppError {
  declare readonly code: TrainingDataErrorCode;
  constructor(code: TrainingDataErrorCode, message: string, details: ErrorDetail[] = []) {
    super(422, code, message, details);
    this.name = 'TrainingDataError';
  }
}

const MAX_DETAILS = 10;

/** Throws a TrainingDataError unless the rows can train a model. */
export function validateTrainingSet(
  rows: readonly TrainingRow[],
  options: { featureCount?: number; minRows?: number; minPerClass?: number } = {},
): void {
  const { minRows = 50, minPerClass = 10 } = options;
  const width = options.featureCount ?? rows[0]?.features.length ?? 0;
  const mismatched: ErrorDetail[] = [];
  const nonFinite: ErrorDetail[] = [];
  const badLabels: ErrorDetail[] = [];
  let positives = 0;
  rows.forEach((row, i) => {
    if (row.features.length !== width) {
      mismatched.push({
        path: `rows[${i}].features`,
        code: 'FEATURE_MISMATCH',
        message: `expected ${width}`,
      });
    } else if (!row.features.every(Number.isFinite)) {
      nonFinite.push({
        path: `rows[${i}].features`,
        code: 'NON_FINITE_VALUE',
        message: 'not a finite number',
      });
    }
    if (row.label === 1) positives++;
    else if (row.label !== 0)
      badLabels.push({ path: `rows[${i}].label`, code: 'INVALID_LABEL', message: '0 or 1' });
  });
  if (mismatched.length > 0) {
    throw new TrainingDataError(
      'FEATURE_MISMATCH',
      `${mismatched.length} rows do not have ${width} features`,
      mismatched.slice(0, MAX_DETAILS),
    );
  }
  if (width === 0) throw new TrainingDataError('FEATURE_MISMATCH', 'Rows have no features');
  if (nonFinite.length > 0) {
    throw new TrainingDataError(
      'NON_FINITE_VALUE',
      `${nonFinite.length} rows have a non-finite feature value`,
      nonFinite.slice(0, MAX_DETAILS),
    );
  }
  if (badLabels.length > 0) {
    throw new TrainingDataError('INVALID_LABEL', 'Labels must be 0 or 1', badLabels.slice(0, MAX_DETAILS));
  }
  if (rows.length < minRows) {
    throw new TrainingDataError(
      'TOO_FEW_OUTCOMES',
      `${rows.length} outcomes; at least ${minRows} are needed`,
    );
  }
  const negatives = rows.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new TrainingDataError('SINGLE_CLASS', 'Outcomes must include both issues and non-issues');
  }
  if (Math.min(positives, negatives) < minPerClass) {
    throw new TrainingDataError(
      'TOO_FEW_OUTCOMES',
      `${positives} issues and ${negatives} non-issues; at least ${minPerClass} of each are needed`,
    );
  }
}
