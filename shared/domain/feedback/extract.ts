import type { ErrorDetail } from '../../errors.js';
import { type AnswerType, PayloadMappingError, type Respondent, type SurveyAnswer } from './delivery.js';
import { formatPath, getPath, type PathSegment } from './paths.js';

export type PathRef = string | readonly PathSegment[];

export interface RespondentSource {
  path: string;
  kind: Respondent['kind'];
}

/** Applies only when the value at `path` equals one of `equals` (e.g. a question type). */
export interface Condition {
  path: string;
  equals: (string | number | boolean)[];
}

/** Comments longer than this are cut (data minimisation); the score is never lost for a long text. */
export const maxCommentChars = 4000;
const maxIdChars = 256;
const maxAnswerChars = 200;

/**
 * Reads typed values out of a parsed payload, collecting every problem as an error detail that
 * names the path and the rule broken, never the value (payloads carry personal data).
 */
export class PayloadReader {
  readonly issues: ErrorDetail[] = [];

  constructor(readonly root: unknown) {}

  value(path: PathRef): unknown {
    return getPath(this.root, path);
  }

  fail(path: PathRef, code: string, message: string): undefined {
    this.issues.push({ path: typeof path === 'string' ? path : formatPath(path), code, message });
    return undefined;
  }

  matches(condition: Condition | undefined): boolean {
    if (!condition) return true;
    const value = this.value(condition.path);
    return condition.equals.some((expected) => expected === value);
  }

  /** A short identifier-like string (survey id, respondent id); numbers are accepted as text. */
  id(path: PathRef, required = true): string | undefined {
    const value = this.value(path);
    if (isBlank(value)) return required ? this.fail(path, 'required', 'Required') : undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value !== 'string') return this.fail(path, 'invalid_type', 'Expected a string');
    if (value.trim().length > maxIdChars)
      return this.fail(path, 'too_big', `At most ${maxIdChars} characters`);
    return value.trim();
  }

  /** The first source that holds a value wins; none → one detail per path tried. */
  respondent(sources: readonly RespondentSource[]): Respondent | undefined {
    for (const source of sources) {
      if (isBlank(this.value(source.path))) continue;
      const value = this.id(source.path);
      if (value === undefined) return undefined;
      if (source.kind === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)) {
        return this.fail(source.path, 'invalid_string', 'Expected an e-mail address');
      }
      return { kind: source.kind, value };
    }
    for (const source of sources) this.fail(source.path, 'required', 'No respondent identifier at this path');
    if (sources.length === 0) this.fail('(root)', 'required', 'No respondent identifier path is configured');
    return undefined;
  }

  /** ISO 8601 text or a Unix time (seconds, or milliseconds when ≥ 10^11) → ISO 8601 UTC. */
  timestamp(path: PathRef, required = true): string | undefined {
    const value = this.value(path);
    if (isBlank(value)) return required ? this.fail(path, 'required', 'Required') : undefined;
    let ms = Number.NaN;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
      ms = value >= 1e11 ? value : value * 1000;
    } else if (
      typeof value === 'string' &&
      /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ) {
      ms = Date.parse(value);
    }
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
      return this.fail(path, 'invalid_timestamp', 'Expected an ISO 8601 timestamp or a Unix time');
    }
    return new Date(ms).toISOString();
  }

  /** An NPS score: integer 0-10 (numeric text accepted); blank means not answered. */
  nps(path: PathRef): number | undefined {
    const value = this.value(path);
    if (isBlank(value)) return undefined;
    const score = typeof value === 'string' && /^\d{1,2}$/.test(value.trim()) ? Number(value) : value;
    if (typeof score !== 'number') return this.fail(path, 'invalid_type', 'Expected an NPS score (0-10)');
    if (!Number.isInteger(score) || score < 0 || score > 10) {
      return this.fail(path, 'out_of_range', 'NPS score must be an integer from 0 to 10');
    }
    return score;
  }

  boolean(path: PathRef): boolean | undefined {
    const value = this.value(path);
    if (isBlank(value)) return undefined;
    if (typeof value === 'boolean') return value;
    return this.fail(path, 'invalid_type', 'Expected true or false');
  }

  /** Free text, trimmed; blank → absent; cut at `maxCommentChars`. */
  comment(path: PathRef): string | undefined {
    const value = this.value(path);
    if (isBlank(value)) return undefined;
    if (typeof value !== 'string') return this.fail(path, 'invalid_type', 'Expected text');
    const text = value.trim();
    return text.length > maxCommentChars ? Array.from(text).slice(0, maxCommentChars).join('') : text;
  }

  /** One non-NPS answer; blank → absent. Multiple choices (arrays of text) are joined with `|`. */
  answer(questionId: string, type: AnswerType, path: PathRef): SurveyAnswer | undefined {
    const raw = this.value(path);
    if (isBlank(raw)) return undefined;
    if (type === 'rating') {
      const n = typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return this.fail(path, 'invalid_type', 'Expected a number');
      return { questionId, type, value: n };
    }
    const value =
      Array.isArray(raw) && raw.every((v) => typeof v === 'string') && raw.length <= 20 ? raw.join('|') : raw;
    if (typeof value === 'number' && Number.isFinite(value)) return { questionId, type, value };
    if (typeof value !== 'string') return this.fail(path, 'invalid_type', 'Expected text or a number');
    if (value.length > maxAnswerChars)
      return this.fail(path, 'too_big', `At most ${maxAnswerChars} characters`);
    return { questionId, type, value: value.trim() };
  }

  /** Throws `PayloadMappingError` (422) with every collected detail, if any. */
  done(): void {
    if (this.issues.length > 0) throw new PayloadMappingError(this.issues);
  }
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}
