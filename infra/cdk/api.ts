import { Duration } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
  TokenAuthorizer,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { bearerPattern } from '../../shared/domain/auth.js';
import { type FunctionName, type FunctionSpec, functions, httpRoutes } from '../manifest.js';
import { type DeployConfig, names } from './config.js';
import { riskloopLogGroup } from './log-groups.js';
import { acknowledge, inPacks } from './nag.js';
import { ApiFirewall } from './waf.js';

export interface ApiProps {
  config: DeployConfig;
  /** The functions the routes invoke (deployed by the service stack, referred to here by name). */
  functions: Record<FunctionName, IFunction>;
  storageKey: IKey;
}

/**
 * How long API Gateway may reuse an authoriser result. With an OIDC issuer: 0, never. The cache is keyed by
 * the Authorization header and knows nothing of a token's `exp`, so any TTL would let a token outlive its
 * expiry by up to the TTL (and a 60 s token cached 300 s would be honoured five times too long). The cost
 * is one authoriser call per request; verification needs no network (the issuer's keys stay cached in the
 * container), API keys then cost one principals read per request.
 */
export function authorizerCacheTtl(config: DeployConfig): number {
  return config.oidcSettings.OIDC_ISSUER ? 0 : config.authorizerCacheSeconds;
}

/**
 * The REST API from the manifest's HTTP routes, behind the TOKEN authoriser (docs/auth.md), with
 * request validation, JSON access logs, execution logs, per-stage and per-method throttling,
 * X-Ray, WAF, and gateway responses in riskloop's error envelope so AWS answers like `npm start`.
 */
export class RiskloopApi extends Construct {
  readonly api: RestApi;
  readonly firewall: ApiFirewall | undefined;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config, storageKey } = props;
    const logGroup = (lid: string, logGroupName: string) =>
      riskloopLogGroup(this, lid, { logGroupName, retention: config.logRetentionDays, key: storageKey });
    const accessLogs = logGroup('AccessLogs', names.apiAccessLogGroup(config.stage));

    this.api = new RestApi(this, 'Api', {
      restApiName: names.resource(config.stage, 'api'),
      description: `riskloop ${config.stage}: ingestion and read API (routes from infra/manifest.ts)`,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // The account-wide logging role is not a stage's to set: account-stack.ts, when asked for.
      cloudWatchRole: false,
      deployOptions: {
        stageName: config.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
        loggingLevel: MethodLoggingLevel.INFO,
        // Never log bodies: they carry personal data before pseudonymisation.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: config.apiRateLimit,
        throttlingBurstLimit: config.apiBurstLimit,
        methodOptions: methodThrottling(config),
      },
    });
    // API Gateway creates this group on first use, unencrypted and kept forever; created here
    // first, it gets the storage key and the configured retention.
    const executionLogs = logGroup(
      'ExecutionLogs',
      `API-Gateway-Execution-Logs_${this.api.restApiId}/${config.stage}`,
    );
    this.api.deploymentStage.node.addDependency(executionLogs);
    this.routes(props);
    this.gatewayResponses();
    this.firewall = config.waf
      ? new ApiFirewall(this, 'Firewall', { config, api: this.api, storageKey })
      : undefined;
    this.acknowledgeFindings(config);
  }

  private routes(props: ApiProps): void {
    const authorizerName = onlyAuthorizer();
    const authorizer = new TokenAuthorizer(this, 'Authorizer', {
      authorizerName: names.resource(props.config.stage, authorizerName),
      handler: props.functions[authorizerName],
      identitySource: IdentitySource.header('Authorization'),
      validationRegex: bearerPattern(props.config.oidcSettings.OIDC_ISSUER !== undefined),
      resultsCacheTtl: Duration.seconds(authorizerCacheTtl(props.config)),
    });
    const jsonObject = this.api.addModel('JsonObject', {
      contentType: 'application/json',
      modelName: 'JsonObject',
      description: 'Any JSON object; the function validates the content field by field.',
      schema: { schema: JsonSchemaVersion.DRAFT4, title: 'JsonObject', type: JsonSchemaType.OBJECT },
    });
    const bodyValidator = this.api.addRequestValidator('BodyAndParameters', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const paramsValidator = this.api.addRequestValidator('Parameters', {
      requestValidatorName: 'parameters',
      validateRequestBody: false,
      validateRequestParameters: true,
    });
    const integrations = new Map<FunctionName, LambdaIntegration>();
    for (const { functionName, route } of httpRoutes()) {
      let integration = integrations.get(functionName);
      if (!integration) {
        integration = new LambdaIntegration(props.functions[functionName], { allowTestInvoke: false });
        integrations.set(functionName, integration);
      }
      // A route with a body limit takes a JSON body (shared/http enforces type and size in the function).
      const hasBody = route.maxBodyBytes !== undefined;
      const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map(
        (m) => `method.request.path.${m[1]}`,
      );
      const signed = route.auth === 'signature';
      // Signed and public routes have no authoriser; the function or the content makes that safe.
      const open = signed || route.auth === 'public';
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
        ...(open
          ? { authorizationType: AuthorizationType.NONE }
          : { authorizationType: AuthorizationType.CUSTOM, authorizer }),
        requestValidator: hasBody ? bodyValidator : paramsValidator,
        requestModels: hasBody ? { 'application/json': jsonObject } : undefined,
        requestParameters: Object.fromEntries(
          [...(open ? [] : ['method.request.header.Authorization']), ...pathParameters].map((p) => [p, true]),
        ),
      });
      if (signed) {
        // Webhook senders (survey tools) cannot hold our API keys; they sign each delivery instead.
        const reason =
          'Authenticated inside the function by a Standard Webhooks signature (HMAC-SHA256 over id, timestamp ' +
          'and raw body; rotating secrets; 5-minute tolerance), as survey tools cannot hold riskloop API keys.';
        acknowledge(method, 'AwsSolutions-APIG4', reason);
        acknowledge(method, 'AwsSolutions-COG4', reason);
        continue;
      }
      if (open) {
        const reason =
          'Serves static content with no customer data (API reference, dashboard page and scripts); every data ' +
          'request those pages make goes to authorised routes with the caller’s API key.';
        acknowledge(method, 'AwsSolutions-APIG4', reason);
        acknowledge(method, 'AwsSolutions-COG4', reason);
        continue;
      }
      acknowledge(
        method,
        'AwsSolutions-COG4',
        'Authorised by the riskloop TOKEN authoriser (API key hash lookup, policy per role from the manifest), ' +
          'by design: Cognito has no offline emulator and machine clients hold API keys. See docs/auth.md.',
      );
    }
  }

  private gatewayResponses(): void {
    const headers = {
      'Content-Type': "'application/json; charset=utf-8'",
      'Cache-Control': "'no-store'",
      'X-Content-Type-Options': "'nosniff'",
      'Strict-Transport-Security': "'max-age=63072000; includeSubDomains'",
    };
    for (const [id, type, statusCode, code, message, extra = {}] of gatewayErrors) {
      this.api.addGatewayResponse(id, {
        type,
        statusCode,
        responseHeaders: { ...headers, ...extra },
        templates: { 'application/json': `{"error":{"code":"${code}","message":${message},"details":[]}}` },
      });
    }
  }

  private acknowledgeFindings(config: DeployConfig): void {
    const stage = this.api.deploymentStage;
    acknowledge(
      stage,
      inPacks('APIGWCacheEnabledAndEncrypted', 'hipaa', 'nist'),
      'No response cache by design: POST ingestion is not cacheable, and a segment read must return the latest ' +
        'audited decision, never a stale copy held outside the tables and their key.',
    );
    acknowledge(
      stage,
      inPacks('APIGWSSLEnabled', 'hipaa', 'nist'),
      'Client certificates authenticate API Gateway to HTTP backends. All integrations are Lambda proxy ' +
        'invocations signed with IAM; there is no backend TLS endpoint to present a certificate to.',
    );
    if (!config.waf) {
      acknowledge(
        stage,
        [...inPacks('APIGWAssociatedWithWAF', 'nist'), 'AwsSolutions-APIG3'],
        'WAF switched off for this deployment with -c waf=false (docs/deploy.md): an explicit operator ' +
          'decision, e.g. for a short-lived test stage. Production stages keep the web ACL.',
      );
    }
  }
}

/** The one function with an `authorizer` trigger. */
function onlyAuthorizer(): FunctionName {
  const found = (Object.entries(functions) as [FunctionName, FunctionSpec][]).filter(
    ([, spec]) => spec.trigger.kind === 'authorizer',
  );
  if (found.length !== 1 || !found[0]) throw new Error('The manifest must declare exactly one authorizer');
  return found[0][0];
}

/**
 * Per-method throttling: stage limits, lowered to the function's reserved concurrency where it has
 * one, so a burst is answered 429 THROTTLED (retryable) by API Gateway instead of a 5xx from a
 * throttled Lambda. Every method repeats the stage's logging settings, which a method entry replaces.
 */
function methodThrottling(config: DeployConfig): Record<string, MethodDeploymentOptions> {
  return Object.fromEntries(
    httpRoutes().map(({ functionName, route }) => {
      const reserved = (functions[functionName] as FunctionSpec).reservedConcurrency;
      return [
        `${route.path}/${route.method}`,
        {
          throttlingRateLimit: Math.min(config.apiRateLimit, reserved ?? Number.POSITIVE_INFINITY),
          throttlingBurstLimit: Math.min(config.apiBurstLimit, reserved ?? Number.POSITIVE_INFINITY),
          loggingLevel: MethodLoggingLevel.INFO,
          dataTraceEnabled: false,
          metricsEnabled: true,
        },
      ];
    }),
  );
}

/** JSON access log line: who (principal, role, IP), what (method, resource), outcome, timing. No query strings. */
const accessLogFields = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTimeEpoch: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  principalId: '$context.authorizer.principalId',
  role: '$context.authorizer.role',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  errorType: '$context.error.responseType',
  authorizerError: '$context.authorizer.error',
  wafResponseCode: '$context.wafResponseCode',
  xrayTraceId: '$context.xrayTraceId',
};

/**
 * [id, type, status, code, message as a JSON string expression, extra headers]: the local gateway's codes
 * and texts.
 */
const gatewayErrors: [string, ResponseType, string | undefined, string, string, Record<string, string>?][] = [
  ['Unauthorized', ResponseType.UNAUTHORIZED, '401', 'UNAUTHORIZED', '"Missing or invalid credentials"'],
  [
    'AccessDenied',
    ResponseType.ACCESS_DENIED,
    '403',
    'FORBIDDEN',
    '"Your role does not allow this operation"',
  ],
  // API Gateway answers an unknown route as a missing token (403); locally it is a 404.
  ['NoSuchRoute', ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'NOT_FOUND', '"No such route"'],
  ['TooLarge', ResponseType.REQUEST_TOO_LARGE, '413', 'PAYLOAD_TOO_LARGE', '"Request body too large"'],
  ['BadBody', ResponseType.BAD_REQUEST_BODY, '400', 'VALIDATION_FAILED', '"Body must be a JSON object"'],
  [
    'BadParameters',
    ResponseType.BAD_REQUEST_PARAMETERS,
    '400',
    'VALIDATION_FAILED',
    '"Missing request parameters"',
  ],
  ['Throttled', ResponseType.THROTTLED, '429', 'THROTTLED', '"Too many requests"'],
  ['WafFiltered', ResponseType.WAF_FILTERED, '403', 'FORBIDDEN', '"Request blocked"'],
  // The authoriser failed (its principals read throttled, an outage): transient, so retryable.
  [
    'AuthorizerFailure',
    ResponseType.AUTHORIZER_FAILURE,
    '503',
    'TEMPORARILY_UNAVAILABLE',
    '"Too busy right now: retry after 1 s"',
    { 'Retry-After': "'1'" },
  ],
  [
    'AuthorizerConfig',
    ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
    '500',
    'AUTHORIZER_FAILURE',
    '"Internal server error"',
  ],
  // The catch-alls keep API Gateway's status code; only the body is reshaped.
  ['Default4xx', ResponseType.DEFAULT_4XX, undefined, 'BAD_REQUEST', '$context.error.messageString'],
  ['Default5xx', ResponseType.DEFAULT_5XX, undefined, 'INTERNAL', '"Internal server error"'],
];
