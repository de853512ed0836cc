import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions as CdkBundlingOptions,
  Charset,
  type ICommandHooks,
  LogLevel,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every function runs on Lambda's Node.js 24 (arm64, functions.ts). The local runtime (`npm start`) and the
 * tests keep running on the developer's Node (20.19 or later): the code is written for both.
 */
export const lambdaRuntime = Runtime.NODEJS_24_X;

/** Lets CommonJS dependencies inside the ESM bundle call `require` for Node built-ins. */
const requireShim = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Modules the Lambda bundles replace (esbuild aliases; esbuild resolves them from the working
 * directory, so the paths are absolute). The SDK's credential chain comes from the environment
 * only (lambda-credentials.ts says why), the SDK's event-stream support, which no client riskloop
 * uses has an operation for, is left out (no-event-streams.ts), and Powertools idempotency gets
 * the two field selections it is configured with instead of a JMESPath interpreter
 * (lambda-jmespath.ts).
 */
const aliases = {
  '@aws-sdk/credential-provider-node': join(repoRoot, 'infra/cdk/lambda-credentials.ts'),
  '@smithy/core/event-streams': join(repoRoot, 'infra/cdk/no-event-streams.ts'),
  '@aws-lambda-powertools/jmespath': join(repoRoot, 'infra/cdk/lambda-jmespath.ts'),
  '@aws-lambda-powertools/jmespath/functions': join(repoRoot, 'infra/cdk/lambda-jmespath.ts'),
} as const;

/**
 * How every function is bundled (local esbuild: ESM, minified, AWS SDK included). One description
 * for `NodejsFunction` (infra/cdk/functions.ts) and for the benchmarks that build the same bundles
 * without a whole synth (test/bench/bundles.bench.ts).
 *
 * Source maps are written but not deployed: minified code maps at about 1.5 times its own size
 * even without `sourcesContent`, so a map in the asset would break the 400 KB budget of every
 * function (test/infra/bundles.test.ts), and Lambda would only read it with
 * `--enable-source-maps`, which costs cold-start time to load the map and slows every stack trace.
 * `external` leaves no `sourceMappingURL` comment in the bundle; `sourceMapHooks` moves each map
 * out of the asset into the cloud assembly (cdk.out/source-maps/), where a stack trace from
 * CloudWatch (`index.mjs:<line>:<column>`) is resolved against the build that was deployed
 * (docs/deploy.md, "Operations").
 */
export const bundling = {
  format: OutputFormat.ESM,
  // The deployed runtime (lambdaRuntime): esbuild keeps Node 24 syntax as is, and the bundles are loaded
  // under a Node 24 binary in test/infra/node24.test.ts.
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.EXTERNAL,
  sourcesContent: false,
  externalModules: [],
  bundleAwsSDK: true,
  banner: requireShim,
  charset: Charset.UTF8,
  tsconfig: join(repoRoot, 'tsconfig.json'),
  logLevel: LogLevel.WARNING,
  forceDockerBundling: false,
  // aws-cdk-lib turns each entry into `--alias:<from>=<to>`.
  esbuildArgs: { '--alias': Object.entries(aliases).map(([from, to]) => `${from}=${to}`) },
} as const satisfies CdkBundlingOptions;

/** Where synth leaves the source maps, inside the cloud assembly directory (cdk.out). */
export const sourceMapsDir = 'source-maps';

/**
 * Moves a function's source map out of its asset to `<assembly>/source-maps/<name>.mjs.map`,
 * after esbuild (and before the asset is hashed, so the map is not part of it either).
 */
export function sourceMapHooks(assemblyDir: string, name: string, next?: ICommandHooks): ICommandHooks {
  const dir = join(assemblyDir, sourceMapsDir);
  return {
    beforeBundling: (inputDir, outputDir) => next?.beforeBundling(inputDir, outputDir) ?? [],
    beforeInstall: (inputDir, outputDir) => next?.beforeInstall(inputDir, outputDir) ?? [],
    afterBundling: (inputDir, outputDir) => [
      `mkdir -p "${dir}" && mv "${outputDir}/index.mjs.map" "${join(dir, `${name}.mjs.map`)}"`,
      ...(next?.afterBundling(inputDir, outputDir) ?? []),
    ],
  };
}

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
    sourcemap: 'external',
    sourcesContent: bundling.sourcesContent,
    external: [...bundling.externalModules],
    banner: { js: bundling.banner },
    // No `charset`: aws-cdk-lib 2.276 builds its esbuild arguments without it (bundling.js,
    // buildEsbuildArgs), so deployed bundles keep esbuild's default ASCII escapes.
    tsconfig: bundling.tsconfig,
    logLevel: bundling.logLevel,
    alias: { ...aliases },
  };
}
