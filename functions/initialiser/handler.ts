/**
 * Deploy-time initialisation, run by the deployment: a CloudFormation custom resource of the service stack
 * on AWS, the local runtime at `npm start`. Creates the keyring's pseudonymisation secret and key-encryption
 * key, and the first administrator from the hash of their key; idempotent and audited
 * (shared/domain/deployment/initialise.ts). Every function that uses the keyring is deployed after it.
 */
import type { Context } from 'aws-lambda';
import { initialiser, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { initialisationProperties, initialise } from '../../shared/domain/deployment/initialise.js';
import { type CustomResourceResult, runCustomResource } from '../../shared/http/custom-resource.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(initialiser));
const logger = createLogger('initialiser');
const deps = {
  keyring: adapters.keys(settings),
  principals: adapters.principals(settings),
  audit: adapters.audit(settings),
};

/** One resource per stage: updates never replace it, and a delete leaves the keyring alone. */
export const initialisationId = 'riskloop-initialisation';

export const handler = (event: unknown, context: Context) =>
  runCustomResource(event, context, logger, async (request): Promise<CustomResourceResult> => {
    // The keyring and principals outlive every deployment: deleting the resource deletes nothing. The id
    // answered must be the one CloudFormation holds (after a failed create, not ours).
    if (request.RequestType === 'Delete') {
      return { physicalResourceId: request.PhysicalResourceId ?? initialisationId, data: {} };
    }
    const wanted = initialisationProperties.parse(request.ResourceProperties);
    // The versions come from the resource, not this function's environment: in an update's rollback the
    // resource may be reverted before the function is, and must not fail for it.
    const done = await initialise(deps, {
      versions: { kekVersion: wanted.kekVersion, macKeyVersion: wanted.macKeyVersion },
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
