import { existsSync, readFileSync } from 'node:fs';

export interface DashboardAssets {
  script: string;
  style: string;
  /** The console's script (Preact) and stylesheet (docs/console.md). */
  consoleScript: string;
  consoleStyle: string;
  /** Content hash of every script and style: the page asks for assets with it, so caches never mix versions. */
  version: string;
}

/** Written beside the function bundle by the CDK bundling hook (infra/cdk/dashboard-assets.ts). */
export const prebuiltAssetsFile = 'dashboard-assets.json';

/**
 * The dashboard's browser script and stylesheet. Deployed, they are prebuilt next to index.mjs;
 * from source (npm start, tests), they are built once per container with esbuild, so an edit to
 * the client shows on the next start without a build step. The builder's path is a variable so the
 * Lambda bundle never pulls esbuild in.
 */
export async function loadDashboardAssets(): Promise<DashboardAssets> {
  const prebuilt = new URL(`./${prebuiltAssetsFile}`, import.meta.url);
  if (existsSync(prebuilt)) return JSON.parse(readFileSync(prebuilt, 'utf8')) as DashboardAssets;
  const builder = '../../dashboard/build.js';
  const { buildDashboardAssets } = (await import(builder)) as {
    buildDashboardAssets: () => Promise<DashboardAssets>;
  };
  return buildDashboardAssets();
}
