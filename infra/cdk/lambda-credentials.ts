/**
 * Takes the place of `@aws-sdk/credential-provider-node` inside the Lambda bundles (an esbuild
 * alias, see bundling.ts); the local runtime and the tests never load it.
 *
 * Why: Lambda hands every function its role's credentials in environment variables, so the SDK's
 * default chain always stops at its first link, `fromEnv`. The other links (SSO, INI files,
 * process, web identity, container and instance metadata) and the STS, SSO and sign-in clients
 * they load were still bundled into every function: about 90 KB of minified code parsed at each
 * cold start for nothing. Same exports, same behaviour in Lambda; anywhere without the variables
 * it fails with fromEnv's "Unable to find environment variable credentials" instead of searching
 * further.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type FromEnvInit = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);

export const credentialsWillNeedRefresh = (credentials?: { expiration?: Date }) =>
  credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: { expiration?: Date }) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
