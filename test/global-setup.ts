/**
 * Starts the local system once per test run, exactly as `npm start` does (a child process running
 * infra/local/start.ts), on free ports and a throw-away data directory. Its stdout/stderr (every
 * handler log line) go to a file the privacy test scans.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { RuntimeState } from '../infra/local/runtime.js';

declare module 'vitest' {
  export interface ProvidedContext {
    runtime: RuntimeState;
    runtimeLogFile: string;
  }
}

/**
 * One local system per vitest project that names this file (or a sibling re-exporting a fresh
 * `localSystem()`), so a project whose tests change global state (publishing a risk model) gets
 * a system of its own.
 */
/** `env`: extra settings of the runtime (the fault tests' system routes DynamoDB through its fault proxy). */
export function localSystem(env: Record<string, string> = {}) {
  let child: ChildProcess | undefined;
  return {
    setup: (project: TestProject) =>
      start(
        project,
        (c) => {
          child = c;
        },
        env,
      ),
    teardown: () => stop(child),
  };
}

async function start(
  project: TestProject,
  keep: (child: ChildProcess) => void,
  extraEnv: Record<string, string>,
): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'riskloop-test-'));
  const { state, logFile } = await launchLocalSystem(dataDir, extraEnv, { started: keep });
  project.provide('runtime', state);
  project.provide('runtimeLogFile', logFile);
}

/**
 * `npm start` in a child process on `dataDir` (appending to its runtime.log), resolved once it is up.
 * `detached`: a process group of its own, so a test can kill it with DynamoDB Local's Java.
 */
export async function launchLocalSystem(
  dataDir: string,
  extraEnv: Record<string, string>,
  options: { detached?: boolean; started?: (child: ChildProcess) => void } = {},
): Promise<{ child: ChildProcess; state: RuntimeState; logFile: string }> {
  const logFile = join(dataDir, 'runtime.log');
  const stateFile = join(dataDir, 'runtime.json');
  // A run killed with SIGKILL leaves its state file behind.
  rmSync(stateFile, { force: true });
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('infra/local/start.ts')], {
    env: {
      ...process.env,
      RISKLOOP_DATA_DIR: dataDir,
      RISKLOOP_PORT: '0',
      RISKLOOP_RANDOM_PORTS: 'true',
      // Failed records come back after 2 s instead of 180 s, so the DLQ test stays short.
      RISKLOOP_VISIBILITY_TIMEOUT: '2',
      RISKLOOP_SPY_QUEUES: 'true',
      RISKLOOP_DYNAMODB_IN_MEMORY: 'true',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      // A publication reaches the worker within a second instead of a minute.
      MODEL_CACHE_TTL_SECONDS: '1',
      ...extraEnv,
    },
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  });
  options.started?.(child);
  const deadline = Date.now() + 90_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`local runtime exited early:\n${readFileSync(logFile, 'utf8')}`);
    if (Date.now() > deadline)
      throw new Error(`local runtime did not start:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, state: JSON.parse(readFileSync(stateFile, 'utf8')) as RuntimeState, logFile };
}

async function stop(running: ChildProcess | undefined): Promise<void> {
  if (!running || running.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => running.kill('SIGKILL'), 10_000);
    running.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    running.kill('SIGTERM');
  });
}

// The shared system also runs the local OpenID Connect provider: API keys and people's tokens side by side.
// The local OpenID Connect provider runs, as with `npm start`; four-eyes is off, as by default locally (the
// tests act with one key per role): test/integration/four-eyes.test.ts runs a system with it on.
export const { setup, teardown } = localSystem();
