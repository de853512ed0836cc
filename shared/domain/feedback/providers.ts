import { z } from 'zod';
import { surveyProviderFiles } from '../../data/survey-providers/index.js';
import { ConfigError } from '../../errors.js';
import { toErrorDetails } from '../validation.js';
import { type Delivery, ProviderNotFoundError } from './delivery.js';
import { isValidPath } from './paths.js';
import { type FormbricksProviderConfig, formbricksDefaults, mapFormbricks } from './provider-formbricks.js';
import { type MappingProviderConfig, mapByConfig } from './provider-mapping.js';
import { mapRiskloop } from './provider-riskloop.js';

export {
  type AnswerType,
  type Delivery,
  type IgnoredDelivery,
  PayloadMappingError,
  ProviderNotFoundError,
  type Respondent,
  type RespondentKind,
  type ResponseDelivery,
  type SurveyAnswer,
  type SurveyResponse,
  type SurveySentDelivery,
} from './delivery.js';
export type { Condition, RespondentSource } from './extract.js';
export type { FormbricksProviderConfig } from './provider-formbricks.js';
export type { MappingProviderConfig } from './provider-mapping.js';
export { type RiskloopDelivery, riskloopDeliverySchema } from './provider-riskloop.js';

/** riskloop's own format: see `riskloopDeliverySchema` in provider-riskloop.ts. */
export interface RiskloopProviderConfig {
  kind: 'riskloop';
  name: string;
  description?: string;
}

export type ProviderConfig = RiskloopProviderConfig | FormbricksProviderConfig | MappingProviderConfig;

export const builtInProviders: readonly ProviderConfig[] = [
  { kind: 'riskloop', name: 'riskloop', description: "riskloop's own survey delivery format." },
  formbricksDefaults,
];

/**
 * Turns a verified delivery's parsed JSON into riskloop's terms. Throws `PayloadMappingError`
 * (422, details naming each failing path, never a value) when it does not fit the provider.
 */
export function mapDelivery(provider: ProviderConfig, payload: unknown, deliveryId: string): Delivery {
  switch (provider.kind) {
    case 'riskloop':
      return mapRiskloop(provider.name, payload, deliveryId);
    case 'formbricks':
      return mapFormbricks(provider, payload, deliveryId);
    case 'mapping':
      return mapByConfig(provider, payload, deliveryId);
  }
}

/** The configuration for `name`, or `ProviderNotFoundError` (404). Own entries only. */
export function resolveProvider(
  configs: Readonly<Record<string, ProviderConfig>>,
  name: string,
): ProviderConfig {
  const config = Object.hasOwn(configs, name) ? configs[name] : undefined;
  if (!config) throw new ProviderNotFoundError(name);
  return config;
}

const path = z.string().refine(isValidPath, 'Invalid path (expected e.g. a.b[0].c)');
const questionId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/);
const answerType = z.enum(['choice', 'rating', 'text']);
const respondentSource = z.object({ path, kind: z.enum(['externalId', 'email']) }).strict();
const condition = z
  .object({ path, equals: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) })
  .strict();
const eventNames = z.array(z.string().min(1).max(64));

const mappingFile = z
  .object({
    kind: z.literal('mapping'),
    description: z.string().optional(),
    event: z
      .object({
        path,
        response: eventNames.min(1),
        surveySent: eventNames.default([]),
        whenMissing: z.enum(['response', 'surveySent', 'ignored']).optional(),
      })
      .strict()
      .optional(),
    surveyId: path,
    respondent: z.array(respondentSource).min(1).max(10),
    submittedAt: path,
    sentAt: path.optional(),
    nps: z.object({ path, when: condition.optional() }).strict().optional(),
    npsSkipped: path.optional(),
    comment: path.optional(),
    answers: z
      .array(z.object({ questionId, type: answerType, path, when: condition.optional() }).strict())
      .max(50)
      .default([]),
    examplePayload: z.unknown().optional(),
  })
  .strict();

const formbricksFile = z
  .object({
    kind: z.literal('formbricks'),
    description: z.string().optional(),
    responseEvents: eventNames.min(1).optional(),
    npsQuestionIds: z.array(questionId).optional(),
    commentQuestionIds: z.array(questionId).optional(),
    respondent: z.array(respondentSource).min(1).max(10).optional(),
    answers: z
      .array(z.object({ questionId, type: answerType }).strict())
      .max(50)
      .optional(),
  })
  .strict();

/** The shape of `shared/data/survey-providers/<name>.json`; the file name is the provider name. */
export const providerFileSchema = z.discriminatedUnion('kind', [mappingFile, formbricksFile]);

/**
 * The built-in providers plus every configuration listed in `shared/data/survey-providers/index.ts`
 * (imported as JSON modules, so bundles carry them; nothing is read from disk at run time). A file
 * of kind `formbricks` overrides the Formbricks defaults it names. Throws `ConfigError` naming the
 * file and the paths when one is invalid: a broken mapping fails the cold start, not a delivery.
 */
export function loadProviderConfigs(
  files: Readonly<Record<string, unknown>> = surveyProviderFiles,
): Record<string, ProviderConfig> {
  // No prototype: a provider named `constructor` or `__proto__` in a URL finds nothing.
  const configs: Record<string, ProviderConfig> = Object.create(null);
  for (const p of builtInProviders) configs[p.name] = p;
  for (const [name, json] of Object.entries(files)) {
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name) || name === 'riskloop') {
      throw new ConfigError(`Survey provider name ${JSON.stringify(name)} is reserved or malformed`);
    }
    const parsed = providerFileSchema.safeParse(json);
    if (!parsed.success) {
      const where = toErrorDetails(parsed.error.issues)
        .map((d) => `${d.path}: ${d.message}`)
        .join('; ');
      throw new ConfigError(`Survey provider config ${name}.json is invalid: ${where}`);
    }
    const file = parsed.data;
    if (file.kind === 'mapping') {
      configs[name] = { ...file, name };
    } else {
      const base =
        configs[name]?.kind === 'formbricks' ? (configs[name] as FormbricksProviderConfig) : undefined;
      const given = Object.fromEntries(Object.entries(file).filter(([, v]) => v !== undefined));
      configs[name] = { ...formbricksDefaults, ...base, ...given, kind: 'formbricks', name };
    }
  }
  return configs;
}
