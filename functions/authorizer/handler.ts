/**
 * API Gateway TOKEN authoriser. Machines: `Authorization: Bearer rl_<role>_<secret>`, whose SHA-256 is
 * looked up in the principals table. People, when an issuer is configured (OIDC_ISSUER): `Bearer <JWT>`,
 * an OIDC access token verified against the issuer's keys. Either way it returns an IAM policy allowing
 * exactly the routes the role may call (from the manifest), plus `{ principalId, role }` (and `issuer`,
 * `subject` for people, whose principalId is `issuer#subject`) as context for the handlers. Locally, `npm start` invokes this same module before every
 * request. docs/auth.md.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { functions, httpRoutes, type Role, roles, settingsOf } from '../../infra/manifest.js';
import { dynamoClient } from '../../shared/adapters/clients.js';
import { oidcVerifier } from '../../shared/adapters/oidc-verifier.js';
import { requireSettings } from '../../shared/config.js';
import { allowedResources, bearerCredential, hashApiKey, type Principal } from '../../shared/domain/auth.js';
import { readOidcConfig, TokenRejected } from '../../shared/domain/oidc.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(functions.authorizer));
const oidc = readOidcConfig();
// Once per container: the issuer's keys stay cached between invocations.
const verifyToken = oidc ? oidcVerifier(oidc) : undefined;
const logger = createLogger('authorizer');
const routes = httpRoutes().map((r) => r.route);

type Caller = { principalId: string; role: Role; issuer?: string; subject?: string };

// API Gateway turns this exact message into a 401; anything else would be a 500 (503 by our gateway responses).
const unauthorized = () => new Error('Unauthorized');

export const handler = async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const credential = bearerCredential(event.authorizationToken);
  if (!credential) throw unauthorized();
  const caller =
    credential.kind === 'apiKey' ? await apiKeyCaller(credential.key) : await tokenCaller(credential.token);
  // methodArn: arn:aws:execute-api:region:account:apiId/stage/METHOD/path
  const apiStageArn = event.methodArn.split('/').slice(0, 2).join('/');
  return {
    principalId: caller.principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: allowedResources(apiStageArn, caller.role, routes),
        },
      ],
    },
    context: {
      principalId: caller.principalId,
      role: caller.role,
      // People: issuer and subject apart too, for audit records that name both.
      ...(caller.issuer && caller.subject ? { issuer: caller.issuer, subject: caller.subject } : {}),
    },
  };
};

async function apiKeyCaller(key: string): Promise<Caller> {
  const out = await dynamoClient().send(
    new GetCommand({ TableName: settings.TABLE_PRINCIPALS, Key: { keyHash: hashApiKey(key) } }),
  );
  const principal = out.Item as Principal | undefined;
  // A principal with a role this build does not know gets nothing, rather than an empty policy.
  if (!principal || principal.disabled || !roles.includes(principal.role)) {
    logger.info('unknown or disabled API key', { reason: 'api-key' });
    throw unauthorized();
  }
  return { principalId: principal.principalId, role: principal.role };
}

/** A person's access token; refused by reason code (never logged with the token) when it does not hold. */
async function tokenCaller(token: string): Promise<Caller> {
  if (!verifyToken) {
    logger.info('access token refused', { reason: 'oidc-not-configured' });
    throw unauthorized();
  }
  try {
    return await verifyToken(token);
  } catch (error) {
    if (error instanceof TokenRejected) {
      logger.info('access token refused', { reason: error.reason });
      throw unauthorized();
    }
    // The issuer's keys unreachable: transient, so not a 401 that would send a person to sign in again.
    logger.error('identity provider unavailable', { errorName: (error as Error).name });
    throw error;
  }
}
