import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeState } from './runtime.js';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * The system `npm start` is running, from its runtime.json; the caller's process gets the same
 * environment the local functions have, so it can invoke them or read their tables.
 */
export function attachToRunningSystem(): RuntimeState {
  const dataDir = resolve(repoRoot, process.env.RISKLOOP_DATA_DIR ?? '.data');
  const stateFile = join(dataDir, 'runtime.json');
  if (!existsSync(stateFile)) {
    process.stderr.write('riskloop is not running: start it with `npm start` first\n');
    process.exit(2);
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as RuntimeState;
  Object.assign(process.env, state.env);
  return state;
}
