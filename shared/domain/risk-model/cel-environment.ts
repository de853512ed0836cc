/**
 * The CEL environment rules are checked against: standard CEL plus a `sets` namespace for
 * list<string> set operations, named after cel-go's sets extension so models stay portable.
 */
import { Environment } from '@marcbachmann/cel-js';

class SetsNamespace {}

const frozenListSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Membership test; model lists are frozen constants, so their Set is built once and cached. */
export function memberTest(list: readonly string[]): (value: string) => boolean {
  if (!Object.isFrozen(list)) return (value) => list.includes(value);
  let set = frozenListSets.get(list);
  if (set === undefined) {
    set = new Set(list);
    frozenListSets.set(list, set);
  }
  const members = set;
  return (value) => members.has(value);
}

/** `sets.intersects(a, b)`: the lists share at least one element. */
export function intersects(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const inB = memberTest(b);
  for (const x of a) if (inB(x)) return true;
  return false;
}

/** `sets.contains(a, b)`: `a` contains every element of `b`. */
export function containsAll(a: readonly string[], b: readonly string[]): boolean {
  const inA = memberTest(a);
  for (const x of b) if (!inA(x)) return false;
  return true;
}

export function createEnvironment(): Environment {
  return new Environment()
    .registerType('SetsNamespace', SetsNamespace)
    .registerConstant('sets', 'SetsNamespace', new SetsNamespace())
    .registerFunction(
      'SetsNamespace.intersects(list<string>, list<string>): bool',
      (_: SetsNamespace, a: readonly string[], b: readonly string[]) => intersects(a, b),
      { description: 'true when the two lists share at least one element' },
    )
    .registerFunction(
      'SetsNamespace.contains(list<string>, list<string>): bool',
      (_: SetsNamespace, a: readonly string[], b: readonly string[]) => containsAll(a, b),
      { description: 'true when the first list contains every element of the second' },
    );
}
