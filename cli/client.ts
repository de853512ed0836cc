import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit codes of `riskloop`: scripts branch on these. */
export const exitCodes = { ok: 0, problem: 1, usage: 2, connection: 3 } as const;

/** A failure that ends the command with an exit code and a one-line message on stderr. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, exitCodes.usage);

/** The API could not be reached at all: worth retrying, unlike a refused key. */
export class ConnectionError extends CliError {
  override name = 'ConnectionError';
  constructor(message: string) {
    super(message, exitCodes.connection);
  }
}

export type ApiRole = 'ingest' | 'analyst' | 'compliance' | 'admin';

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: API bodies are read as JSON and checked where used.
  body: any;
}

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * The API key to use: --key, then RISKLOOP_API_KEY, then the local system's key for the role the
 * command needs (`.data/credentials.json`, or RISKLOOP_DATA_DIR), so `npx riskloop segments` works
 * against `npm start` with no setup.
 */
export function resolveKey(explicit: string | undefined, role: ApiRole): string {
  if (explicit) return explicit;
  if (process.env.RISKLOOP_API_KEY) return process.env.RISKLOOP_API_KEY;
  const dataDir = process.env.RISKLOOP_DATA_DIR
    ? resolve(process.env.RISKLOOP_DATA_DIR)
    : resolve(repoRoot, '.data');
  const file = resolve(dataDir, 'credentials.json');
  if (existsSync(file)) {
    const key = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)[role];
    if (key) return key;
  }
  throw new CliError(
    `No API key: pass --key, set RISKLOOP_API_KEY, or start the local system (npm start) so ${file} exists`,
    exitCodes.connection,
  );
}

/** A small JSON client for the riskloop API; connection and authentication failures exit 3. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
      const reason =
        cause?.code ?? cause?.errors?.[0]?.code ?? (cause as Error | undefined)?.message ?? 'fetch failed';
      throw new ConnectionError(`Cannot reach ${this.baseUrl} (${reason})`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {}
    if (res.status === 401 || res.status === 403) {
      // A refusal of its own (four-eyes: SAME_PERSON, PERSON_REQUIRED) says why; a plain 403 is the role.
      const code = (parsed as { error?: { code?: string } } | null)?.error?.code;
      const why =
        res.status === 401
          ? 'the API key was not accepted'
          : code && code !== 'FORBIDDEN'
            ? errorText(parsed)
            : 'this key’s role may not do this';
      throw new CliError(`${method} ${path}: ${why}`, exitCodes.connection, parsed);
    }
    return { status: res.status, body: parsed };
  }

  /** Like `request`, but any status outside 2xx ends the command (exit 1) with the API's error message. */
  async ok(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const res = await this.request(method, path, body);
    if (res.status >= 200 && res.status < 300) return res;
    throw new CliError(
      `${method} ${path}: ${res.status} ${errorText(res.body)}`,
      exitCodes.problem,
      res.body,
    );
  }
}

export function errorText(body: unknown): string {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return error ? `${error.code ?? 'ERROR'}: ${error.message ?? ''}` : 'unexpected response';
}
