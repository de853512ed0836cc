import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  explainStartFailure,
  javaMajorVersion,
  javaProblem,
  portProblems,
} from '../../infra/local/prerequisites.js';

const ran =
  (stderr: string, status = 0) =>
  () => ({ error: undefined, status, stdout: '', stderr });
const failed = (code: string) => () => ({
  error: Object.assign(new Error(`spawnSync java ${code}`), { code }),
  status: null,
  stdout: '',
  stderr: '',
});

describe('npm start checks Java before DynamoDB Local needs it', () => {
  it('reads the major version of every `java -version` style', () => {
    expect(javaMajorVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(javaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajorVersion('java version "1.8.0_392"')).toBe(8);
    expect(javaMajorVersion('no version here')).toBeUndefined();
  });

  it('names the package to install when there is no java on the PATH', () => {
    const problem = javaProblem(failed('ENOENT'));
    expect(problem).toContain('Java was not found');
    expect(problem).toContain('apt-get install openjdk-17-jre-headless');
  });

  it('refuses a Java older than 17, saying which one it found', () => {
    expect(javaProblem(ran('openjdk version "11.0.22" 2024-01-16'))).toMatch(/^Java 11 was found.*Java 17/);
    expect(javaProblem(ran('java version "1.8.0_392"'))).toMatch(/^Java 8 was found/);
  });

  it('accepts Java 17 and later, and a version it cannot read (DynamoDB Local then decides)', () => {
    expect(javaProblem(ran('openjdk version "17.0.15" 2025-04-15'))).toBeUndefined();
    expect(javaProblem(ran('openjdk version "25" 2025-09-16'))).toBeUndefined();
    expect(javaProblem(ran('Picked up JAVA_TOOL_OPTIONS'))).toBeUndefined();
    expect(javaProblem(ran('', 1))).toContain('failed (exit code 1)');
  });
});

describe('npm start checks its fixed ports before it opens any', () => {
  let held: Server | undefined;
  afterEach(() => held?.close());

  async function holdPort(): Promise<number> {
    held = createServer();
    await new Promise<void>((resolve) => held?.listen(0, resolve));
    const address = held.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  it('names the port, what it is for and the setting that moves it', async () => {
    const port = await holdPort();
    const problems = await portProblems([
      { setting: 'RISKLOOP_DYNAMODB_PORT', service: 'DynamoDB Local', port },
      { setting: 'RISKLOOP_PORT', service: 'API', port: 0, host: '127.0.0.1' },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`Port ${port} (DynamoDB Local) is already in use`);
    expect(problems[0]).toContain(`RISKLOOP_DYNAMODB_PORT=${port + 1} npm start`);
  });

  it('turns an EADDRINUSE that happens anyway into the same paragraph, and leaves other errors alone', async () => {
    const ports = [{ setting: 'RISKLOOP_SQS_PORT', service: 'SQS endpoint', port: 9324 }];
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 0.0.0.0:9324'), {
      code: 'EADDRINUSE',
      port: 9324,
    });
    expect(explainStartFailure(inUse, ports)).toContain('RISKLOOP_SQS_PORT');
    expect(explainStartFailure(new Error('boom'), ports)).toBeUndefined();
  });
});
