import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type BuildOptions, buildRiskloop } from './build.js';
import { repoRoot } from './bundling.js';

export interface Synthesis {
  app: App;
  built: ReturnType<typeof buildRiskloop>;
  assembly: CloudAssembly;
  cleanup: () => void;
}

/**
 * Synthesizes riskloop exactly as `cdk synth` does (cdk.json context plus `context`, compliance packs
 * on) into a temporary directory, offline. `bundle: false` skips esbuild when only templates are read.
 */
export function synthesize(
  context: Record<string, unknown> = {},
  options: BuildOptions & { bundle?: boolean } = {},
): Synthesis {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'riskloop-cdk-'));
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  const app = new App({
    outdir,
    context: {
      ...cdkJson.context,
      ...context,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  try {
    const built = buildRiskloop(app, options);
    return { app, built, assembly: app.synth(), cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
