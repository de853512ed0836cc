import { ConfigError } from '../../errors.js';
import type { Role } from '../roles.js';

/**
 * The actions that can require a second person (maker–checker), and where each is decided: the
 * function that carries the action out also decides on it, so it needs no permission beyond its own.
 */
export const approvalAreas = {
  'risk-model.publish': 'risk-models',
  'risk-model.retire': 'risk-models',
  'scoring-model.publish': 'scoring-models',
  'segment.pin-lower': 'pins',
  'legal-hold.lift': 'erasures',
  'webhook-secret.rotate': 'webhook-secrets',
} as const;

/**
 * Who decides each area's requests: the roles of its decision route in infra/manifest*.ts (written out
 * there, so esbuild can leave other functions' descriptions out of a bundle; test/unit/auth.test.ts holds
 * the two equal). Makers have the role of the action's own route.
 */
export const approvalDeciders = {
  'risk-models': ['admin'],
  'scoring-models': ['admin'],
  pins: ['compliance'],
  erasures: ['privacy'],
  'webhook-secrets': ['admin'],
} as const satisfies Record<(typeof approvalAreas)[keyof typeof approvalAreas], readonly Role[]>;

export type ApprovalAction = keyof typeof approvalAreas;
export type ApprovalArea = (typeof approvalAreas)[ApprovalAction];
export const approvalActions = Object.keys(approvalAreas) as ApprovalAction[];

export interface FourEyesPolicy {
  /** The actions that take effect only once a second person approves. */
  required: ReadonlySet<ApprovalAction>;
  /** How long a request waits for a decision before it expires. */
  ttlHours: number;
}

export const fourEyesDefaults = { FOUR_EYES: 'all', APPROVAL_TTL_HOURS: '72' } as const;

/**
 * FOUR_EYES: `all` (the default), `none`, or a comma-separated list of actions; APPROVAL_TTL_HOURS:
 * 1–720. Read at start-up: a bad value stops the function with a message naming the setting.
 */
export function readFourEyesPolicy(env: NodeJS.ProcessEnv = process.env): FourEyesPolicy {
  const raw = (env.FOUR_EYES ?? fourEyesDefaults.FOUR_EYES).trim();
  const listed = raw === 'all' ? approvalActions : raw === 'none' ? [] : raw.split(',').map((a) => a.trim());
  const unknown = listed.filter((a) => !(a in approvalAreas));
  if (unknown.length > 0 || raw === '') {
    throw new ConfigError(
      `FOUR_EYES must be "all", "none" or a comma-separated list of ${approvalActions.join(', ')}; got ${JSON.stringify(raw)}`,
    );
  }
  const ttl = env.APPROVAL_TTL_HOURS ?? fourEyesDefaults.APPROVAL_TTL_HOURS;
  const ttlHours = Number(ttl);
  if (!/^[0-9]+$/.test(ttl) || ttlHours < 1 || ttlHours > 720) {
    throw new ConfigError(
      `APPROVAL_TTL_HOURS must be a whole number of hours from 1 to 720; got ${JSON.stringify(ttl)}`,
    );
  }
  return { required: new Set(listed as ApprovalAction[]), ttlHours };
}
