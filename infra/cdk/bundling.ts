import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BundlingOptions as CdkBundlingOptions,
  Charset,
  LogLevel,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Lets CommonJS dependencies inside the ESM bundle call `require` for Node built-ins. */
const requireShim = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Lambda bundles take the SDK's credential chain from the environment only (see
 * lambda-credentials.ts for why): esbuild resolves aliases from the working directory, so the
 * path is absolute.
 */
const credentialAlias = {
  from: '@aws-sdk/credential-provider-node',
  to: join(repoRoot, 'infra/cdk/lambda-credentials.ts'),
} as const;

/**
 * How every function is bundled (local esbuild: ESM, minified, source maps, AWS SDK included).
 * One description for `NodejsFunction` (infra/cdk/functions.ts) and for the benchmarks that build
 * the same bundles without a whole synth (test/bench/bundles.bench.ts).
 */
export const bundling = {
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: [],
  bundleAwsSDK: true,
  banner: requireShim,
  charset: Charset.UTF8,
  tsconfig: join(repoRoot, 'tsconfig.json'),
  logLevel: LogLevel.WARNING,
  forceDockerBundling: false,
  // aws-cdk-lib turns this into `--alias:<from>=<to>`.
  esbuildArgs: { '--alias': `${credentialAlias.from}=${credentialAlias.to}` },
} as const satisfies CdkBundlingOptions;

/**
 * The esbuild API options equivalent to what `NodejsFunction` runs for `bundling` (its CLI
 * arguments, aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js): same output, byte for byte.
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: bundling.format,
    target: bundling.target,
    mainFields: [...bundling.mainFields],
    minify: bundling.minify,
    sourcemap: bundling.sourceMap,
    sourcesContent: bundling.sourcesContent,
    external: [...bundling.externalModules],
    banner: { js: bundling.banner },
    // No `charset`: aws-cdk-lib 2.276 builds its esbuild arguments without it (bundling.js,
    // buildEsbuildArgs), so deployed bundles keep esbuild's default ASCII escapes.
    tsconfig: bundling.tsconfig,
    logLevel: bundling.logLevel,
    alias: { [credentialAlias.from]: credentialAlias.to },
  };
}
