import { ConfigError } from './errors.js';

/**
 * Reads the named settings from the environment once, at cold start, and throws a
 * ConfigError naming every missing one, so a bad deploy fails before its first request.
 */
export function requireSettings<const N extends string>(
  names: readonly N[],
  env: NodeJS.ProcessEnv = process.env,
): Record<N, string> {
  const missing = names.filter((n) => !env[n] || env[n]?.trim() === '');
  if (missing.length > 0) {
    throw new ConfigError(`Missing required setting(s): ${missing.join(', ')}`);
  }
  return Object.fromEntries(names.map((n) => [n, env[n] as string])) as Record<N, string>;
}

/** An optional positive integer setting with a default; rejects garbage instead of guessing. */
export function intSetting(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`Setting ${name} must be a positive integer`);
  }
  return value;
}
