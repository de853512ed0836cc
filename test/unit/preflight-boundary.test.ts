/**
 * Preflight uses SDK clients no Lambda needs: it must never be reachable from a function's entry point, or
 * esbuild would put it (and them) into a bundle. Walks every relative import from functions/ and shared/,
 * through whatever they import in turn, and checks none leads into infra/preflight.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/bundling.js';

const sourceFile = /\.(ts|mts|cts|js|mjs|cjs)$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : sources(path);
    return sourceFile.test(entry) ? [path] : [];
  });
}

/** The module specifiers of every import, export-from, dynamic import and require in `code`. */
function importSpecifiers(code: string): string[] {
  const pattern =
    /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
}

/** A relative specifier as the file it names (TypeScript sources are imported with a .js extension). */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.(m|c)?js$/, '.$1ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const isPreflight = (file: string) => {
  const path = relative(repoRoot, file).split('\\').join('/');
  return path === 'infra/preflight.ts' || path.startsWith('infra/preflight/');
};

/** Every path from `entries` into preflight, as "importer -> imported". */
function pathsIntoPreflight(entries: readonly string[], read: (file: string) => string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importSpecifiers(read(file))) {
      const target = resolveImport(file, specifier);
      if (!target) continue;
      if (isPreflight(target)) found.push(`${relative(repoRoot, file)} -> ${specifier}`);
      else queue.push(target);
    }
  }
  return found;
}

describe('preflight stays out of Lambda bundles', () => {
  it('finds every form of import it looks for', () => {
    expect(
      importSpecifiers(
        [
          "import { a } from '../a.js';",
          'import type {\n  B,\n  C,\n} from "./b.js";',
          "export { d } from './d.js';",
          "export * from './e.js';",
          "import './side-effect.js';",
          "const f = await import('./f.js');",
          "const g = require('./g.js');",
        ].join('\n'),
      ),
    ).toEqual(['../a.js', './b.js', './d.js', './e.js', './side-effect.js', './f.js', './g.js']);
  });

  it('reports an import into infra/preflight from a function', () => {
    const handler = join(repoRoot, 'functions', 'example', 'handler.ts');
    const code = (file: string) =>
      file === handler ? "import { runPreflight } from '../../infra/preflight/run.js';" : '';
    expect(pathsIntoPreflight([handler], code)).toEqual([
      `${join('functions', 'example', 'handler.ts')} -> ../../infra/preflight/run.js`,
    ]);
  });

  it('is not reachable from anything under functions/ or shared/', () => {
    const entries = [...sources(join(repoRoot, 'functions')), ...sources(join(repoRoot, 'shared'))];
    expect(entries.length).toBeGreaterThan(50);
    expect(pathsIntoPreflight(entries, (file) => readFileSync(file, 'utf8'))).toEqual([]);
  });
});

describe('preflight only reads', () => {
  it('sends nothing but Describe, Get and List commands', () => {
    const code = [join(repoRoot, 'infra', 'preflight.ts'), ...sources(join(repoRoot, 'infra', 'preflight'))]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const commands = new Set([...code.matchAll(/\b([A-Z][A-Za-z0-9]*)Command\b/g)].map((m) => m[1] ?? ''));
    expect(commands.size).toBeGreaterThan(15);
    expect([...commands].filter((c) => !/^(Describe|Get|List)[A-Z]/.test(c))).toEqual([]);
  });
});
