/**
 * Deploy-time initialisation, run by the deployment: a CloudFormation custom resource of the service stack
 * on AWS, the local runtime at `npm start`. Creates the keyring's pseudonymisation secret and key-encryption
 * key, and the first administrator from the hash of their key; idempotent and audited
 * (shared/domain/deployment/initialise.ts). Every function that uses the keyring is deployed after it.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { functions, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { initialise } from '../../shared/domain/deployment/initialise.js';
import { type CustomResourceResult, runCustomResource } from '../../shared/http/custom-resource.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(functions.initialiser));
const logger = createLogger('initialiser');
const deps = {
  keyring: adapters.keys(settings),
  principals: adapters.principals(settings),
  audit: adapters.audit(settings),
};

/** The resource's properties. The versions are there so that changing one makes CloudFormation run it again. */
const properties = z
  .object({
    ServiceToken: z.string().optional(),
    kekVersion: z.string().regex(/^kek[1-9][0-9]{0,3}$/),
    macKeyVersion: z.string().regex(/^k[1-9][0-9]{0,3}$/),
    firstAdminKeyHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the key, 64 lowercase hex digits')
      .optional(),
  })
  .strict();

/** One resource per stage: updates never replace it, and a delete leaves the keyring alone. */
export const initialisationId = 'riskloop-initialisation';

export const handler = (event: unknown, context: Context) =>
  runCustomResource(event, context, logger, async (request): Promise<CustomResourceResult> => {
    // The keyring and principals outlive every deployment: deleting the resource deletes nothing.
    if (request.RequestType === 'Delete') return { physicalResourceId: initialisationId, data: {} };
    const wanted = properties.parse(request.ResourceProperties);
    const configured = {
      kekVersion: process.env.KEK_VERSION ?? 'kek1',
      macKeyVersion: process.env.PSEUDONYM_KEY_VERSION ?? 'k1',
    };
    if (wanted.kekVersion !== configured.kekVersion || wanted.macKeyVersion !== configured.macKeyVersion) {
      throw new Error('The resource asks for other key versions than this function is configured with');
    }
    const done = await initialise(deps, {
      ...(wanted.firstAdminKeyHash ? { firstAdminKeyHash: wanted.firstAdminKeyHash } : {}),
      requestId: request.RequestId,
      at: new Date(),
    });
    logger.info('initialised', { keyring: done.keyring, firstAdmin: done.firstAdmin });
    return {
      physicalResourceId: initialisationId,
      data: { keyring: done.keyring.join(','), firstAdmin: done.firstAdmin ?? '' },
    };
  });
