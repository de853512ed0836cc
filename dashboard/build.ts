/**
 * Builds the dashboard's browser assets (one script with Observable Plot and the d3 modules it uses,
 * one stylesheet) with esbuild's JS API, in memory. Used in two places: the dashboard function
 * builds from source at cold start when no prebuilt assets sit beside it (npm start, tests), and
 * the CDK bundling of that function runs this file as a script to write the prebuilt JSON next to
 * index.mjs, so Lambda never needs esbuild.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { DashboardAssets } from '../functions/dashboard/assets.js';

const clientDir = fileURLToPath(new URL('./client/', import.meta.url));

export async function buildDashboardAssets(): Promise<DashboardAssets> {
  const result = await build({
    entryPoints: { dashboard: `${clientDir}main.ts`, styles: `${clientDir}styles.css` },
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    // Browsers of the last few years; no polyfills needed for what the page uses.
    target: ['chrome110', 'firefox110', 'safari16'],
    write: false,
    outdir: 'out',
    legalComments: 'eof',
    logLevel: 'warning',
    tsconfig: `${clientDir}tsconfig.json`,
  });
  const script = result.outputFiles.find((f) => f.path.endsWith('dashboard.js'))?.text;
  const style = result.outputFiles.find((f) => f.path.endsWith('styles.css'))?.text;
  if (script === undefined || style === undefined) throw new Error('dashboard build produced no assets');
  const version = createHash('sha256').update(script).update(style).digest('base64url').slice(0, 16);
  return { script, style, version };
}

// As a script (CDK bundling hook): tsx dashboard/build.ts <out.json>
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx dashboard/build.ts <out.json>');
  writeFileSync(out, JSON.stringify(await buildDashboardAssets()));
}
