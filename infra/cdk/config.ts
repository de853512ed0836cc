import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fourEyesDefaults, readFourEyesPolicy } from '../../shared/domain/approvals/policy.js';
import { readOidcConfig } from '../../shared/domain/oidc.js';
import { headroom, unreservedConcurrencyFloor } from '../limits/measure.js';
import { type FunctionSpec, functions, resourceName } from '../manifest.js';

/**
 * Deployment settings, read from CDK context (`cdk.json` defaults, `-c key=value` overrides). Values
 * given on the command line arrive as strings, so every reader parses and validates: a typo fails
 * the synth with a message naming the setting instead of deploying something unexpected.
 */
export interface DeployConfig {
  /** Deployment stage (`dev`, `prod`, ...): part of every physical name and tag. */
  stage: string;
  /** Optional e-mail address subscribed to the alarm topic (confirmation mail from SNS). */
  alarmEmail: string | undefined;
  /** Attach the WAFv2 web ACL to the API stage. Turning it off is an explicit, logged exception. */
  waf: boolean;
  /** Requests per 5 minutes per client IP before the WAF rate-based rule blocks. */
  wafRateLimit: number;
  /** Retention of every log group the stacks create. Must be a value CloudWatch Logs accepts. */
  logRetentionDays: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL of every function. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Stage-wide API throttling (steady requests/s and burst). */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** How long API Gateway caches an authoriser decision per API key (0-3600). See docs/auth.md. */
  authorizerCacheSeconds: number;
  /**
   * Create the account-level API Gateway role that lets API Gateway write execution logs. Turn off
   * when the account already has one (it is one setting per account and region).
   */
  apiGatewayCloudWatchRole: boolean;
  /**
   * Key-encryption key version for new subject keys (KEK_VERSION). Raising it (kek1 -> kek2) makes
   * new subjects use a fresh KEK; existing subject keys name their KEK and stay readable.
   */
  kekVersion: string;
  /**
   * DynamoDB capacity of every table and index. `onDemand` (default): pay per request, nothing to
   * plan. `provisioned`: auto scaling from `dynamoMinUnits` to `dynamoMaxUnits` units per table
   * and index, keeping them `dynamoAutoScalingTargetPercent` used; for steady loads (bulk
   * ingestion, the daily re-segmentation) it costs well under half (docs/cost-model.md), while a
   * burst that outruns the scaling is throttled (and retried) for a few minutes.
   */
  dynamoCapacity: 'onDemand' | 'provisioned';
  /**
   * Floor of auto scaling per table and index, in provisioned mode. Auto scaling follows consumed
   * capacity and needs minutes to climb from a low floor: a burst from idle (a daily
   * re-segmentation of millions) is throttled until it has. Raise the floor for such loads.
   */
  dynamoMinUnits: number;
  /** Upper bound of auto scaling per table and index, in provisioned mode (default: the per-table quota). */
  dynamoMaxUnits: number;
  /**
   * Reserve the concurrency the manifest gives some functions (`reservedConcurrency`). Off, they share the
   * account's unreserved pool: for accounts whose Lambda quota cannot hold the reservations.
   */
  reservedConcurrency: boolean;
  /**
   * Keep the indexes a release replaced (the manifest's `retiredIndexes`) for one more deploy.
   * CloudFormation creates or deletes at most one index per table per update, so a stage deployed
   * before the replacement is upgraded in two deploys: with this on (adds the new indexes), then
   * without it (drops the old ones). docs/deploy.md, "Upgrading".
   */
  keepRetiredIndexes: boolean;
  /**
   * SHA-256 (64 hex digits) of the first administrator's API key: the deployment's initialiser registers it
   * as an admin principal. Only the hash is ever given to the deployment (docs/deploy.md, "First deploy").
   */
  firstAdminKeyHash: string | undefined;
  /**
   * The Lambda concurrent-executions quota of the target account and region (1,000 by default on AWS, lower
   * in new accounts). The synth refuses reservations beyond 85 % of what that quota can reserve;
   * `npm run preflight` reads the real value.
   */
  lambdaConcurrencyQuota: number;
  /**
   * The authoriser's OIDC settings (OIDC_* environment variables, shared/domain/oidc.ts), from the `oidc*`
   * context keys (`oidcIssuer`, `oidcAudience`, `oidcRoleMapping`, ...); empty without `oidcIssuer`. With an
   * issuer, API Gateway admits JWTs and caches no authoriser result (docs/auth.md, "Access tokens").
   */
  oidcSettings: Record<string, string>;
  /**
   * Four-eyes approval (FOUR_EYES, APPROVAL_TTL_HOURS; shared/domain/approvals/policy.ts) for the functions
   * that decide requests, from the context keys `fourEyes` (`all`, `none` or a comma-separated list of
   * actions) and `approvalTtlHours`. On for every action unless the context says otherwise.
   */
  fourEyesSettings: { FOUR_EYES: string; APPROVAL_TTL_HOURS: string };
  /**
   * The console's sign-in (docs/console.md): the issuer and audience of `oidcSettings` plus CONSOLE_CLIENT_ID
   * (context `consoleClientId`, a public client registered at the issuer with the console's URL as its
   * redirect) and CONSOLE_SCOPE (`consoleScope`, default `openid`). Empty without both an issuer and a client.
   */
  consoleSettings: Record<string, string>;
  /**
   * Where the functions run. `public` (default): on Lambda's own network, calling the AWS APIs over their public
   * endpoints (TLS, IAM). `private`: the functions (the authoriser too, unless it must fetch an OIDC issuer's keys) in private isolated subnets of a VPC with
   * no route to the internet, reaching DynamoDB, SQS, KMS, EventBridge, CloudWatch Logs and X-Ray through VPC
   * endpoints (infra/cdk/network.ts; docs/deploy.md, "Network modes").
   */
  network: 'public' | 'private';
}

/** Utilisation the auto scaling of provisioned tables keeps (and the cost model prices at). */
export const dynamoAutoScalingTargetPercent = 70;

export const contextDefaults = {
  stage: 'dev',
  alarmEmail: '',
  waf: true,
  wafRateLimit: 2000,
  logRetentionDays: 365,
  logLevel: 'INFO',
  apiRateLimit: 100,
  apiBurstLimit: 200,
  authorizerCacheSeconds: 300,
  apiGatewayCloudWatchRole: false,
  kekVersion: 'kek1',
  dynamoCapacity: 'onDemand',
  dynamoMinUnits: 1,
  dynamoMaxUnits: 40000,
  reservedConcurrency: true,
  keepRetiredIndexes: false,
  lambdaConcurrencyQuota: 1000,
  firstAdminKeyHash: '',
  oidcIssuer: '',
  consoleClientId: '',
  consoleScope: 'openid',
  fourEyes: fourEyesDefaults.FOUR_EYES,
  approvalTtlHours: Number(fourEyesDefaults.APPROVAL_TTL_HOURS),
  network: 'public',
} as const;

/** Context key → the authoriser's setting. Only `oidcIssuer` has a default (none: API keys only). */
export const oidcContextKeys = {
  oidcIssuer: 'OIDC_ISSUER',
  oidcAudience: 'OIDC_AUDIENCE',
  oidcAudienceClaim: 'OIDC_AUDIENCE_CLAIM',
  oidcJwksUri: 'OIDC_JWKS_URI',
  oidcRolesClaim: 'OIDC_ROLES_CLAIM',
  oidcRoleMapping: 'OIDC_ROLE_MAPPING',
  oidcSubjectClaim: 'OIDC_SUBJECT_CLAIM',
  oidcAlgorithms: 'OIDC_ALGORITHMS',
  oidcClockToleranceSeconds: 'OIDC_CLOCK_TOLERANCE_SECONDS',
  oidcMaxTokenLifetimeSeconds: 'OIDC_MAX_TOKEN_LIFETIME_SECONDS',
} as const;

const validRetentions = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'),
);

export function readConfig(scope: Construct): DeployConfig {
  const raw = (key: keyof typeof contextDefaults): unknown =>
    scope.node.tryGetContext(key) ?? contextDefaults[key];

  const stage = String(raw('stage'));
  if (!/^[a-z][a-z0-9]{0,11}$/.test(stage)) {
    throw new Error(
      `Context "stage" must be 1-12 lowercase letters or digits, starting with a letter: ${stage}`,
    );
  }
  const email = String(raw('alarmEmail')).trim();
  if (email !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new Error('Context "alarmEmail" is not an e-mail address');
  }
  const logRetentionDays = int('logRetentionDays', raw('logRetentionDays'), 1, 3653);
  if (!validRetentions.has(logRetentionDays)) {
    throw new Error(
      `Context "logRetentionDays" must be one of ${[...validRetentions].sort((a, b) => a - b).join(', ')}`,
    );
  }
  const logLevel = String(raw('logLevel')).toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) {
    throw new Error('Context "logLevel" must be DEBUG, INFO, WARN or ERROR');
  }
  const kekVersion = String(raw('kekVersion'));
  if (!/^kek[1-9][0-9]{0,3}$/.test(kekVersion))
    throw new Error('Context "kekVersion" must look like kek1, kek2, ...');
  const dynamoCapacity = String(raw('dynamoCapacity'));
  if (dynamoCapacity !== 'onDemand' && dynamoCapacity !== 'provisioned')
    throw new Error('Context "dynamoCapacity" must be onDemand or provisioned');
  const dynamoMinUnits = int('dynamoMinUnits', raw('dynamoMinUnits'), 1, 40_000);
  const dynamoMaxUnits = int('dynamoMaxUnits', raw('dynamoMaxUnits'), 1, 40_000);
  if (dynamoMinUnits > dynamoMaxUnits)
    throw new Error('Context "dynamoMinUnits" must not exceed "dynamoMaxUnits"');
  const reservedConcurrency = bool('reservedConcurrency', raw('reservedConcurrency'));
  const lambdaConcurrencyQuota = int('lambdaConcurrencyQuota', raw('lambdaConcurrencyQuota'), 10, 10_000_000);
  if (reservedConcurrency) checkReservations(lambdaConcurrencyQuota);
  const firstAdminKeyHash = String(raw('firstAdminKeyHash')).trim();
  if (firstAdminKeyHash !== '' && !/^[0-9a-f]{64}$/.test(firstAdminKeyHash)) {
    throw new Error(
      'Context "firstAdminKeyHash" must be the SHA-256 of the key, 64 lowercase hex digits (never the key itself)',
    );
  }
  const network = String(raw('network'));
  if (network !== 'public' && network !== 'private') {
    throw new Error(
      `Context "network" must be public (functions on Lambda's network, the default) or private (functions in ` +
        `isolated VPC subnets with VPC endpoints): ${network}`,
    );
  }
  const oidc = oidcSettings(scope);
  return {
    stage,
    network,
    oidcSettings: oidc,
    consoleSettings: consoleSettings(
      oidc,
      String(raw('consoleClientId')).trim(),
      String(raw('consoleScope')).trim(),
    ),
    fourEyesSettings: fourEyesSettings(String(raw('fourEyes')), String(raw('approvalTtlHours'))),
    kekVersion,
    firstAdminKeyHash: firstAdminKeyHash === '' ? undefined : firstAdminKeyHash,
    reservedConcurrency,
    keepRetiredIndexes: bool('keepRetiredIndexes', raw('keepRetiredIndexes')),
    lambdaConcurrencyQuota,
    dynamoCapacity,
    dynamoMinUnits,
    dynamoMaxUnits,
    alarmEmail: email === '' ? undefined : email,
    waf: bool('waf', raw('waf')),
    wafRateLimit: int('wafRateLimit', raw('wafRateLimit'), 10, 2_000_000_000),
    logRetentionDays: logRetentionDays as RetentionDays,
    logLevel: logLevel as DeployConfig['logLevel'],
    apiRateLimit: int('apiRateLimit', raw('apiRateLimit'), 1, 10_000),
    apiBurstLimit: int('apiBurstLimit', raw('apiBurstLimit'), 1, 5_000),
    authorizerCacheSeconds: int('authorizerCacheSeconds', raw('authorizerCacheSeconds'), 0, 3600),
    apiGatewayCloudWatchRole: bool('apiGatewayCloudWatchRole', raw('apiGatewayCloudWatchRole')),
  };
}

/**
 * Lambda keeps 100 executions of the account's quota unreserved: reservations beyond the rest fail the
 * deploy (CloudFormation, partway through the service stack). Refused here, with the way out named.
 */
function checkReservations(quota: number): void {
  const reserved = Object.values(functions as Record<string, FunctionSpec>).reduce(
    (sum, spec) => sum + (spec.reservedConcurrency ?? 0),
    0,
  );
  const reservable = Math.floor(headroom * (quota - unreservedConcurrencyFloor));
  if (reserved > reservable) {
    throw new Error(
      `The manifest reserves ${reserved} concurrent executions; an account with lambdaConcurrencyQuota=${quota} can ` +
        `reserve ${reservable} (85 % of the quota minus the 100 Lambda keeps unreserved). Ask AWS for a higher ` +
        'quota and pass it with -c lambdaConcurrencyQuota=<n>, or deploy with -c reservedConcurrency=false ' +
        '(docs/deploy.md, "Lambda concurrency").',
    );
  }
}

/** The four-eyes context, checked by the parser the functions run at start-up. */
function fourEyesSettings(fourEyes: string, ttlHours: string): DeployConfig['fourEyesSettings'] {
  const settings = { FOUR_EYES: fourEyes, APPROVAL_TTL_HOURS: ttlHours };
  try {
    readFourEyesPolicy(settings);
  } catch (error) {
    throw new Error(
      `Context: ${(error as Error).message.replace('FOUR_EYES', 'fourEyes').replace('APPROVAL_TTL_HOURS', 'approvalTtlHours')}`,
    );
  }
  return settings;
}

/** The `oidc*` context as the authoriser's settings, validated by the very parser the authoriser runs. */
function oidcSettings(scope: Construct): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [key, setting] of Object.entries(oidcContextKeys)) {
    const value: unknown = scope.node.tryGetContext(key);
    if (value === undefined || value === '') continue;
    // cdk.json may hold the role mapping as a JSON array; -c gives it as a string.
    settings[setting] = typeof value === 'string' ? value.trim() : JSON.stringify(value);
  }
  try {
    readOidcConfig(settings);
  } catch (error) {
    const contextKey = (name: string) =>
      Object.entries(oidcContextKeys).find(([, s]) => s === name)?.[0] ?? name;
    throw new Error(`Context: ${(error as Error).message.replace(/OIDC_[A-Z_]+/g, contextKey)}`);
  }
  return settings;
}

function consoleSettings(
  oidc: Record<string, string>,
  clientId: string,
  scope: string,
): Record<string, string> {
  const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience } = oidc;
  if (!issuer || !audience || clientId === '') return {};
  return { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience, CONSOLE_CLIENT_ID: clientId, CONSOLE_SCOPE: scope };
}

function bool(key: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context "${key}" must be true or false`);
}

function int(key: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(String(value));
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`Context "${key}" must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Physical names shared by the stacks, the tests and docs/deploy.md. */
export const names = {
  stack: (stage: string, part: 'data' | 'service' | 'api') => `riskloop-${stage}-${part}`,
  resource: resourceName,
  dlq: (stage: string, queueOrFunction: string) => `${resourceName(stage, queueOrFunction)}-dlq`,
  functionLogGroup: (stage: string, fn: string) => `/aws/lambda/${resourceName(stage, fn)}`,
  /** The VPC's flow logs, in private mode (network.ts). */
  flowLogGroup: (stage: string) => `/aws/vpc/${resourceName(stage, 'network')}`,
  apiAccessLogGroup: (stage: string) => `/aws/apigateway/${resourceName(stage, 'api')}-access`,
  /** AWS WAF only delivers to log groups whose name starts with `aws-waf-logs-`. */
  wafLogGroup: (stage: string) => `aws-waf-logs-${resourceName(stage, 'api')}`,
  keyAlias: (stage: string, purpose: string) => `alias/${resourceName(stage, purpose)}`,
  eventBus: (stage: string) => resourceName(stage, 'compliance'),
  /**
   * The IAM path of a function's role (its name is CloudFormation's): key policies name a function's role by
   * it (key-policies.ts), and a path cannot change without replacing the role.
   */
  rolePath: (stage: string, fn: string) => `/${resourceName(stage, fn)}/`,
};
