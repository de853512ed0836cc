/**
 * Starts the local system once per test run, exactly as `npm start` does (a child process running
 * infra/local/start.ts), on free ports and a throw-away data directory. Its stdout/stderr (every
 * handler log line) go to a file the privacy test scans.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
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

let child: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'riskloop-test-'));
  const logFile = join(dataDir, 'runtime.log');
  const out = openSync(logFile, 'a');
  child = spawn(process.execPath, ['--import', 'tsx', resolve('infra/local/start.ts')], {
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
    },
    stdio: ['ignore', out, out],
  });
  const stateFile = join(dataDir, 'runtime.json');
  const deadline = Date.now() + 90_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null)
      throw new Error(`local runtime exited early:\n${readFileSync(logFile, 'utf8')}`);
    if (Date.now() > deadline)
      throw new Error(`local runtime did not start:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  project.provide('runtime', JSON.parse(readFileSync(stateFile, 'utf8')) as RuntimeState);
  project.provide('runtimeLogFile', logFile);
}

export async function teardown(): Promise<void> {
  const running = child;
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
