import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type FunctionSpec,
  functions,
  httpRoutes,
  queues,
  resourceName,
  roles,
  settingsOf,
} from '../../infra/manifest.js';
import { intSetting, requireSettings } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';

describe('requireSettings', () => {
  it('returns the value of every named setting', () => {
    // Prepare
    const env = { TABLE_PROFILES: 'profiles-table', QUEUE_SEGMENTATION_URL: 'http://q', OTHER: 'x' };

    // Act
    const settings = requireSettings(['TABLE_PROFILES', 'QUEUE_SEGMENTATION_URL'], env);

    // Assess
    expect(settings).toEqual({ TABLE_PROFILES: 'profiles-table', QUEUE_SEGMENTATION_URL: 'http://q' });
  });

  it('throws a ConfigError naming every missing, empty or blank setting', () => {
    const env = { PRESENT: 'yes', EMPTY: '', BLANK: '   ' };

    let caught: unknown;
    try {
      requireSettings(['PRESENT', 'ABSENT', 'EMPTY', 'BLANK'], env);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain('ABSENT');
    expect(message).toContain('EMPTY');
    expect(message).toContain('BLANK');
    expect(message).not.toContain('PRESENT');
  });

  it('does not throw when nothing is required', () => {
    expect(requireSettings([], {})).toEqual({});
  });

  it('reads process.env by default', () => {
    const name = 'RISKLOOP_UNIT_TEST_SETTING_7731';
    process.env[name] = 'from-process';
    try {
      expect(requireSettings([name])).toEqual({ [name]: 'from-process' });
    } finally {
      delete process.env[name];
    }
  });
});

describe('intSetting', () => {
  it('falls back to the default when unset or empty', () => {
    expect(intSetting('KEY_CACHE_TTL_SECONDS', 900, {})).toBe(900);
    expect(intSetting('KEY_CACHE_TTL_SECONDS', 900, { KEY_CACHE_TTL_SECONDS: '' })).toBe(900);
  });

  it('reads a positive integer', () => {
    expect(intSetting('KEY_CACHE_TTL_SECONDS', 900, { KEY_CACHE_TTL_SECONDS: '60' })).toBe(60);
  });

  it.each(['0', '-5', '1.5', 'abc', 'NaN', 'Infinity', '   '])('rejects %j, naming the setting', (raw) => {
    expect(() => intSetting('KEY_CACHE_TTL_SECONDS', 900, { KEY_CACHE_TTL_SECONDS: raw })).toThrow(
      ConfigError,
    );
    expect(() => intSetting('KEY_CACHE_TTL_SECONDS', 900, { KEY_CACHE_TTL_SECONDS: raw })).toThrow(
      /KEY_CACHE_TTL_SECONDS/,
    );
  });
});

describe('infra manifest', () => {
  const specs = Object.entries(functions as Record<string, FunctionSpec>);

  it.each(specs)('%s has an entry file that exists', (_name, spec) => {
    expect(existsSync(resolve(spec.entry))).toBe(true);
  });

  it.each(specs.filter(([, spec]) => spec.trigger.kind === 'sqs'))(
    '%s: its queue hides messages for at least 6x its timeout',
    (_name, spec) => {
      if (spec.trigger.kind !== 'sqs') throw new Error('unreachable');
      const queue = queues[spec.trigger.queue];

      expect(queue.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * spec.timeoutSeconds);
    },
  );

  it('has at least one SQS consumer to check', () => {
    expect(specs.some(([, spec]) => spec.trigger.kind === 'sqs')).toBe(true);
  });

  it('derives the settings of ingestCustomers from its tables, queues and keys', () => {
    expect([...settingsOf(functions.ingestCustomers)].sort()).toEqual(
      [
        'TABLE_PROFILES',
        'TABLE_SUBJECT_KEYS',
        'TABLE_KEYRING',
        'TABLE_SUBJECT_INDEX',
        'TABLE_AUDIT',
        'TABLE_IDEMPOTENCY',
        'TABLE_INGEST_INTENTS',
        'QUEUE_SEGMENTATION_URL',
        'KEY_PSEUDONYMISATION_ID',
        'KEY_DATA_KEYS_ID',
      ].sort(),
    );
  });

  it('gives every API-key route at least one known role, and signature and public routes none', () => {
    const routes = httpRoutes();

    expect(routes.length).toBeGreaterThan(0);
    for (const { route } of routes) {
      const label = `${route.method} ${route.path}`;
      if (route.auth === 'signature' || route.auth === 'public') expect(route.roles, label).toEqual([]);
      else expect(route.roles.length, label).toBeGreaterThan(0);
      for (const role of route.roles) expect(roles).toContain(role);
    }
    expect(routes.filter((r) => r.route.auth === 'signature').map((r) => r.route.path)).toEqual([
      '/v1/webhooks/surveys/{provider}',
    ]);
  });

  it('serves each method and path from exactly one function', () => {
    const keys = httpRoutes().map(({ route }) => `${route.method} ${route.path}`);

    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names resources riskloop-<stage>-<kebab-case name>', () => {
    expect(resourceName('dev', 'subjectKeys')).toBe('riskloop-dev-subject-keys');
    expect(resourceName('prod', 'profiles')).toBe('riskloop-prod-profiles');
  });
});
