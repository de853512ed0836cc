import { describe, expect, it } from 'vitest';
import {
  formatPath,
  getPath,
  InvalidPathError,
  isValidPath,
  parsePath,
} from '../../shared/domain/feedback/index.js';

describe('path language', () => {
  const doc = { a: { b: [{ c: 1 }, { c: 'two' }] }, 'odd key': { 'x.y': true } };

  it('reads dotted paths, indices and quoted keys', () => {
    expect(getPath(doc, 'a.b[1].c')).toBe('two');
    expect(getPath(doc, '["odd key"]["x.y"]')).toBe(true);
    expect(parsePath('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(formatPath(parsePath('data["odd key"].x[2]'))).toBe('data["odd key"].x[2]');
  });

  it('gives undefined for missing steps and never walks the prototype', () => {
    expect(getPath(doc, 'a.b[5].c')).toBeUndefined();
    expect(getPath(doc, 'a.b.c')).toBeUndefined();
    expect(getPath(doc, 'a.toString')).toBeUndefined();
    expect(getPath(doc, 'a.b.length')).toBeUndefined();
  });

  it.each([
    '',
    '.a',
    'a..b',
    'a.',
    'a[x]',
    'a.__proto__',
    'a.constructor',
    'a b',
    'a[0]b',
    `a${'.b'.repeat(40)}`,
  ])('refuses %j', (path) => {
    expect(isValidPath(path)).toBe(false);
    expect(() => parsePath(path)).toThrow(InvalidPathError);
  });
});
