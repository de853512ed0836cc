/**
 * A tiny path language for survey payload mappings: `a.b[0].c`, plus `a["odd key"]` for keys that
 * are not plain words. It only walks own properties of parsed JSON: no evaluation, no prototype
 * access (`__proto__`, `constructor`, `prototype` are refused), no wildcards.
 *
 * Grammar: path := first ( '.' word | '[' digits ']' | '["' chars '"]' )*
 *          first := word | '[' digits ']' | '["' chars '"]';  word := [A-Za-z0-9_$-]+
 */
export type PathSegment = string | number;

const maxPathLength = 200;
const maxSegments = 32;
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);
const word = /[A-Za-z0-9_$-]+/y;
const index = /\[(\d{1,6})\]/y;
const quoted = /\["((?:[^"\\]|\\["\\])*)"\]/y;
const cache = new Map<string, readonly PathSegment[]>();

export class InvalidPathError extends Error {
  constructor(reason: string) {
    super(`Invalid payload path: ${reason}`);
    this.name = 'InvalidPathError';
  }
}

function match(pattern: RegExp, path: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(path);
}

/** Parses a path into its segments; throws `InvalidPathError` (the message names the offset, never data). */
export function parsePath(path: string): readonly PathSegment[] {
  const known = cache.get(path);
  if (known) return known;
  if (path.length === 0 || path.length > maxPathLength) {
    throw new InvalidPathError(`length must be 1-${maxPathLength}`);
  }
  const segments: PathSegment[] = [];
  let at = 0;
  while (at < path.length) {
    const dotted = segments.length > 0 && path[at] === '.';
    const start = dotted ? at + 1 : at;
    const w = segments.length === 0 || dotted ? match(word, path, start) : null;
    const i = dotted ? null : match(index, path, at);
    const q = dotted ? null : match(quoted, path, at);
    const found = w ?? i ?? q;
    if (!found) throw new InvalidPathError(`unexpected character at offset ${at}`);
    const segment: PathSegment = i ? Number(i[1]) : w ? w[0] : (q?.[1] ?? '').replace(/\\(["\\])/g, '$1');
    if (typeof segment === 'string' && forbiddenKeys.has(segment)) {
      throw new InvalidPathError(`segment at offset ${at} is not allowed`);
    }
    segments.push(segment);
    at = start + found[0].length;
  }
  if (segments.length > maxSegments) throw new InvalidPathError(`at most ${maxSegments} segments`);
  if (cache.size >= 1_000) cache.clear();
  cache.set(path, segments);
  return segments;
}

export function isValidPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes segments back as a path, e.g. for error details: `data.data.nps`, `data.data["q 1"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments
    .map((s, n) => {
      if (typeof s === 'number') return `[${s}]`;
      if (/^[A-Za-z0-9_$-]+$/.test(s)) return n === 0 ? s : `.${s}`;
      return `["${s.replace(/(["\\])/g, '\\$1')}"]`;
    })
    .join('');
}

/** The value at `path` in parsed JSON, or `undefined` when any step is missing or of the wrong kind. */
export function getPath(root: unknown, path: string | readonly PathSegment[]): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  let current: unknown = root;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return undefined;
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      if (forbiddenKeys.has(segment) || !Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
