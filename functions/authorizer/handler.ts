/**
 * API Gateway TOKEN authoriser: `Authorization: Bearer rl_<role>_<secret>`. Looks the key's
 * SHA-256 up in the principals table and returns an IAM policy allowing exactly the routes the
 * principal's role may call (from the manifest), plus `{ principalId, role }` as context for the
 * handlers. Locally, `npm start` invokes this same module before every request.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { functions, httpRoutes, roles, settingsOf } from '../../infra/manifest.js';
import { dynamoClient } from '../../shared/adapters/clients.js';
import { requireSettings } from '../../shared/config.js';
import { allowedResources, bearerKey, hashApiKey, type Principal } from '../../shared/domain/auth.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(functions.authorizer));
const logger = createLogger('authorizer');
const routes = httpRoutes().map((r) => r.route);

export const handler = async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const key = bearerKey(event.authorizationToken);
  // API Gateway turns this exact message into a 401; anything else would be a 500.
  if (!key) throw new Error('Unauthorized');
  const out = await dynamoClient().send(
    new GetCommand({ TableName: settings.TABLE_PRINCIPALS, Key: { keyHash: hashApiKey(key) } }),
  );
  const principal = out.Item as Principal | undefined;
  // A principal with a role this build does not know gets nothing, rather than an empty policy.
  if (!principal || principal.disabled || !roles.includes(principal.role)) {
    logger.info('unknown or disabled API key');
    throw new Error('Unauthorized');
  }
  // methodArn: arn:aws:execute-api:region:account:apiId/stage/METHOD/path
  const apiStageArn = event.methodArn.split('/').slice(0, 2).join('/');
  return {
    principalId: principal.principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: allowedResources(apiStageArn, principal.role, routes),
        },
      ],
    },
    context: { principalId: principal.principalId, role: principal.role },
  };
};
