/**
 * Builds the browser assets of the dashboard (one script with Observable Plot and the d3 modules it uses,
 * one stylesheet) and of the console (Preact) with esbuild's JS API, in memory. Used in two places: the dashboard function
 * builds from source at cold start when no prebuilt assets sit beside it (npm start, tests), and
 * the CDK bundling of that function runs this file as a script to write the prebuilt JSON next to
 * index.mjs, so Lambda never needs esbuild.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import type { DashboardAssets } from '../functions/dashboard/assets.js';

const clientDir = fileURLToPath(new URL('./client/', import.meta.url));

const consoleDir = fileURLToPath(new URL('./console/client/', import.meta.url));

/** What both browser builds share: one minified IIFE per page for browsers of the last few years. */
const browserBuild: BuildOptions = {
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  // Browsers of the last few years; no polyfills needed for what the pages use.
  target: ['chrome110', 'firefox110', 'safari16'],
  write: false,
  outdir: 'out',
  legalComments: 'eof',
  logLevel: 'warning',
};

/** The script and stylesheet of one build, by output name. */
function outputs(files: { path: string; text: string }[] | undefined, script: string, what: string) {
  const js = files?.find((f) => f.path.endsWith(`${script}.js`))?.text;
  const css = files?.find((f) => f.path.endsWith('styles.css'))?.text;
  if (js === undefined || css === undefined) throw new Error(`${what} build produced no assets`);
  return { js, css };
}

/** The dashboard's (Observable Plot) and the console's (Preact) assets, built side by side. */
export async function buildDashboardAssets(): Promise<DashboardAssets> {
  const [dashboard, console] = await Promise.all([
    build({
      ...browserBuild,
      entryPoints: { dashboard: `${clientDir}main.ts`, styles: `${clientDir}styles.css` },
      tsconfig: `${clientDir}tsconfig.json`,
    }),
    build({
      ...browserBuild,
      entryPoints: { console: `${consoleDir}main.tsx`, styles: `${consoleDir}styles.css` },
      tsconfig: `${consoleDir}tsconfig.json`,
    }),
  ]);
  const d = outputs(dashboard.outputFiles, 'dashboard', 'dashboard');
  const c = outputs(console.outputFiles, 'console', 'console');
  const version = createHash('sha256').update(d.js).update(d.css).update(c.js).update(c.css);
  return {
    script: d.js,
    style: d.css,
    consoleScript: c.js,
    consoleStyle: c.css,
    version: version.digest('base64url').slice(0, 16),
  };
}

// As a script (CDK bundling hook): tsx dashboard/build.ts <out.json>
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx dashboard/build.ts <out.json>');
  writeFileSync(out, JSON.stringify(await buildDashboardAssets()));
}
