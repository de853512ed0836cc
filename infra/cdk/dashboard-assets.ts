import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { prebuiltAssetsFile } from '../../functions/dashboard/assets.js';

/**
 * Bundling hooks of the dashboard function: after esbuild has written index.mjs, the browser
 * script and stylesheet are built (dashboard/build.ts, the same code `npm start` runs at cold start)
 * into one JSON file beside it, so the deployed function serves prebuilt assets and carries no
 * esbuild. Runs locally with the project's tsx, like the rest of the synth.
 */
export const dashboardAssetsHooks: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [
    `"${inputDir}/node_modules/.bin/tsx" "${inputDir}/dashboard/build.ts" "${outputDir}/${prebuiltAssetsFile}"`,
  ],
};
