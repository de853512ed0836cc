import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRoutes, resourceName } from '../../infra/manifest.js';
import { bearerCredential, bearerKey, bearerPattern, newApiKey } from '../../shared/domain/auth.js';
import {
  apiMethods,
  getAtt,
  logicalIdWhere,
  props,
  resourcesOfType,
  type Synthesized,
  synthRiskloop,
} from './synth.js';

let s: Synthesized;

beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
});
afterAll(() => s?.cleanup());

const stageResource = () => {
  const stages = resourcesOfType(s.apiJson, 'AWS::ApiGateway::Stage');
  expect(stages).toHaveLength(1);
  return stages[0]?.[1];
};

describe('authoriser', () => {
  it('is a TOKEN authoriser on the manifest authorizer function, header Authorization, cached 300 s', () => {
    // The function is the service stack's, reached by its name (no export between the stacks).
    const authorizerFn = `:function:${resourceName('dev', 'authorizer')}/invocations`;
    s.api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
      IdentityValidationExpression: bearerPattern(false),
    });
    expect(JSON.stringify(resourcesOfType(s.apiJson, 'AWS::ApiGateway::Authorizer'))).toContain(authorizerFn);
  });

  it('pre-filters exactly what the authoriser accepts', () => {
    const pattern = new RegExp(bearerPattern(false));
    for (const role of ['ingest', 'analyst', 'admin'] as const) {
      const header = `Bearer ${newApiKey(role)}`;
      expect(pattern.test(header)).toBe(true);
      expect(bearerKey(header)).toBeDefined();
    }
    for (const header of ['Bearer rl_ingest_short', 'Basic abc', `bearer ${newApiKey('ingest')}`]) {
      expect(pattern.test(header)).toBe(false);
      expect(bearerKey(header)).toBeUndefined();
    }
  });
});

describe('authoriser with an OIDC issuer', () => {
  const oidcContext = {
    oidcIssuer: 'https://login.example.com/realms/bank',
    oidcAudience: 'riskloop-api',
    oidcRoleMapping: '[["riskloop-admins","admin"],["riskloop-analysts","analyst"]]',
    consoleClientId: 'riskloop-console',
  };
  let withIssuer: Synthesized;
  beforeAll(() => {
    withIssuer = synthRiskloop(oidcContext, { bundle: false });
  });
  afterAll(() => withIssuer?.cleanup());

  it('admits JWTs at the gateway, caches no result, and hands the authoriser its settings', () => {
    withIssuer.api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      AuthorizerResultTtlInSeconds: 0,
      IdentityValidationExpression: bearerPattern(true),
    });
    withIssuer.service.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: resourceName('dev', 'authorizer'),
      Environment: {
        Variables: Match.objectLike({
          OIDC_ISSUER: oidcContext.oidcIssuer,
          OIDC_AUDIENCE: oidcContext.oidcAudience,
          OIDC_ROLE_MAPPING: oidcContext.oidcRoleMapping,
        }),
      },
    });
    const pattern = new RegExp(bearerPattern(true));
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(pattern.test(`Bearer ${jwt}`)).toBe(true);
    expect(bearerCredential(`Bearer ${jwt}`)).toEqual({ kind: 'jwt', token: jwt });
    expect(pattern.test(`Bearer ${newApiKey('admin')}`)).toBe(true);
    expect(pattern.test('Bearer a.b')).toBe(false);
    expect(new RegExp(bearerPattern(false)).test(`Bearer ${jwt}`)).toBe(false);
  });

  it('tells the console where to sign in: issuer, audience and its public client, nothing else', () => {
    withIssuer.service.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: resourceName('dev', 'dashboard'),
      Environment: {
        Variables: Match.objectLike({
          OIDC_ISSUER: oidcContext.oidcIssuer,
          OIDC_AUDIENCE: oidcContext.oidcAudience,
          CONSOLE_CLIENT_ID: 'riskloop-console',
          CONSOLE_SCOPE: 'openid',
          OIDC_ROLE_MAPPING: Match.absent(),
        }),
      },
    });
  });

  it('refuses a bad OIDC setting at synth, naming the context key', () => {
    expect(() =>
      synthRiskloop({ ...oidcContext, oidcRoleMapping: '[["g","superuser"]]' }, { bundle: false }),
    ).toThrow(/oidcRoleMapping.*unknown role/);
    expect(() => synthRiskloop({ oidcAudience: 'x' }, { bundle: false })).toThrow(
      /oidcAudience.*without oidcIssuer/,
    );
  });
});

describe('routes', () => {
  it('protects every method with the custom authoriser (signed webhooks and public pages excepted) and validates requests', () => {
    const methods = apiMethods(s.apiJson);
    expect(methods).toHaveLength(httpRoutes().length);
    const validators = Object.fromEntries(
      resourcesOfType(s.apiJson, 'AWS::ApiGateway::RequestValidator').map(([id, r]) => [id, props(r)]),
    );
    for (const { route } of httpRoutes()) {
      const found = methods.find((m) => m.method === route.method && m.path === route.path);
      const p = found?.props ?? {};
      const label = `${route.method} ${route.path}`;
      if (route.auth === 'signature' || route.auth === 'public') {
        // Signed webhooks are verified inside the function (docs/feedback.md); public routes hold no data.
        expect(p.AuthorizationType, label).toBe('NONE');
        expect(p.AuthorizerId, label).toBeUndefined();
      } else {
        expect(p.AuthorizationType, label).toBe('CUSTOM');
        expect(p.AuthorizerId, label).toBeDefined();
      }
      const validator = validators[(p.RequestValidatorId as { Ref: string }).Ref];
      expect(validator?.ValidateRequestParameters, label).toBe(true);
      // Routes with a body limit take a JSON body: API Gateway checks it is a JSON object first.
      const takesBody = route.maxBodyBytes !== undefined;
      expect(validator?.ValidateRequestBody, label).toBe(takesBody);
      expect(p.RequestModels, label).toEqual(
        takesBody ? { 'application/json': expect.anything() } : undefined,
      );
      expect(p.Integration, label).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
    }
  });

  it('lets API Gateway invoke each function only for its own routes on this stage', () => {
    const apiPermissions = resourcesOfType(s.apiJson, 'AWS::Lambda::Permission').filter(
      ([, p]) => props(p).Principal === 'apigateway.amazonaws.com',
    );
    // One per method, one for the authoriser; no test-invoke permissions.
    expect(apiPermissions).toHaveLength(httpRoutes().length + 1);
    for (const [, p] of apiPermissions) {
      expect(JSON.stringify(props(p).SourceArn)).not.toContain('test-invoke-stage');
    }
  });
});

describe('stage', () => {
  it('writes JSON access logs to the encrypted access log group', () => {
    const accessLogs = logicalIdWhere(
      s.apiJson,
      'AWS::Logs::LogGroup',
      'LogGroupName',
      '/aws/apigateway/riskloop-dev-api-access',
    );
    const p = props(stageResource());
    const setting = p.AccessLogSetting as { DestinationArn: unknown; Format: string };
    expect(JSON.stringify(setting.DestinationArn)).toContain(JSON.stringify({ Ref: accessLogs }));
    const format = JSON.parse(setting.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(format.principalId).toBe('$context.authorizer.principalId');
    expect(format.status).toBe('$context.status');
    expect(Object.values(format).join(' ')).not.toMatch(/querystring|requestOverride|\$input/i);
  });

  it('has X-Ray, INFO execution logging without data trace, and stage throttling', () => {
    const p = props(stageResource());
    expect(p.TracingEnabled).toBe(true);
    expect(p.StageName).toBe('dev');
    const settings = p.MethodSettings as Record<string, unknown>[];
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'INFO',
        DataTraceEnabled: false,
        MetricsEnabled: true,
        ThrottlingRateLimit: 100,
        ThrottlingBurstLimit: 200,
      }),
    );
  });

  it('throttles each method, down to the reserved concurrency of its function', () => {
    const settings = props(stageResource()).MethodSettings as Record<string, unknown>[];
    for (const { route } of httpRoutes()) {
      const entry = settings.find(
        (m) => m.HttpMethod === route.method && m.ResourcePath === `/${route.path.replaceAll('/', '~1')}`,
      );
      expect(entry, `${route.method} ${route.path}`).toMatchObject({
        LoggingLevel: 'INFO',
        DataTraceEnabled: false,
      });
      expect(entry?.ThrottlingRateLimit).toBeLessThanOrEqual(100);
      expect(entry?.ThrottlingBurstLimit).toBeLessThanOrEqual(200);
    }
    const ingest = settings.find((m) => m.ResourcePath === '/~1v1~1customers' && m.HttpMethod === 'POST');
    expect(ingest).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 50 });
  });

  it('pre-creates the execution log group so it is encrypted and expires', () => {
    const groups = resourcesOfType(s.apiJson, 'AWS::Logs::LogGroup').map(([, g]) =>
      JSON.stringify(props(g).LogGroupName),
    );
    expect(groups.some((n) => n.includes('API-Gateway-Execution-Logs_'))).toBe(true);
  });
});

describe('gateway responses', () => {
  const required = [
    'DEFAULT_4XX',
    'DEFAULT_5XX',
    'UNAUTHORIZED',
    'ACCESS_DENIED',
    'MISSING_AUTHENTICATION_TOKEN',
    'REQUEST_TOO_LARGE',
    'THROTTLED',
    'WAF_FILTERED',
  ];

  it.each(required)('%s answers in the error envelope { error: { code, message, details: [] } }', (type) => {
    const response = resourcesOfType(s.apiJson, 'AWS::ApiGateway::GatewayResponse').find(
      ([, r]) => props(r).ResponseType === type,
    );
    expect(response).toBeDefined();
    const template =
      (props(response?.[1]).ResponseTemplates as Record<string, string>)['application/json'] ?? '';
    // $context.error.messageString is already a quoted JSON string.
    const body = JSON.parse(template.replace('$context.error.messageString', '"x"')) as {
      error: { code: string; message: string; details: unknown[] };
    };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toMatch(/^[A-Z_]+$/);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.details).toEqual([]);
    expect(props(response?.[1]).ResponseParameters).toMatchObject({
      'gatewayresponse.header.Content-Type': "'application/json; charset=utf-8'",
    });
  });

  it('uses the local gateway codes for 401, 403, unknown routes and 413', () => {
    const code = (type: string) => {
      const r = resourcesOfType(s.apiJson, 'AWS::ApiGateway::GatewayResponse').find(
        ([, x]) => props(x).ResponseType === type,
      );
      const p = props(r?.[1]);
      return [
        p.StatusCode,
        JSON.parse((p.ResponseTemplates as Record<string, string>)['application/json'] ?? '').error.code,
      ];
    };
    expect(code('UNAUTHORIZED')).toEqual(['401', 'UNAUTHORIZED']);
    expect(code('ACCESS_DENIED')).toEqual(['403', 'FORBIDDEN']);
    expect(code('MISSING_AUTHENTICATION_TOKEN')).toEqual(['404', 'NOT_FOUND']);
    expect(code('REQUEST_TOO_LARGE')).toEqual(['413', 'PAYLOAD_TOO_LARGE']);
  });
});

describe('WAF', () => {
  it('associates a regional web ACL with the API stage', () => {
    const stageId = resourcesOfType(s.apiJson, 'AWS::ApiGateway::Stage')[0]?.[0] ?? '';
    const acl = resourcesOfType(s.apiJson, 'AWS::WAFv2::WebACL');
    expect(acl).toHaveLength(1);
    const association = resourcesOfType(s.apiJson, 'AWS::WAFv2::WebACLAssociation')[0]?.[1];
    expect(JSON.stringify(props(association).ResourceArn)).toContain(stageId);
    expect(props(association).WebACLArn).toEqual(getAtt(acl[0]?.[0] ?? ''));
    // Created after the stage, or WAF rejects an ARN that does not exist yet.
    expect([association?.DependsOn ?? []].flat()).toContain(stageId);
  });

  it('runs the three AWS managed rule groups and a rate-based rule, without the 8 KB body limit', () => {
    const acl = props(resourcesOfType(s.apiJson, 'AWS::WAFv2::WebACL')[0]?.[1]);
    expect(acl.Scope).toBe('REGIONAL');
    const rules = acl.Rules as { Name: string; Statement: Record<string, Record<string, unknown>> }[];
    const managed = rules.flatMap((r) =>
      r.Statement.ManagedRuleGroupStatement ? [r.Statement.ManagedRuleGroupStatement] : [],
    );
    expect(managed.map((m) => m.Name).sort()).toEqual(
      [
        'AWSManagedRulesAmazonIpReputationList',
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
      ].sort(),
    );
    expect(managed.find((m) => m.Name === 'AWSManagedRulesCommonRuleSet')?.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
    const rate = rules.find((r) => r.Statement.RateBasedStatement);
    expect(rate?.Statement.RateBasedStatement).toMatchObject({ Limit: 2000, AggregateKeyType: 'IP' });
  });

  it('logs to an aws-waf-logs- group with the Authorization header redacted', () => {
    s.api.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
      LogDestinationConfigs: [Match.objectLike({ 'Fn::Join': Match.anyValue() })],
    });
    s.api.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-riskloop-dev-api' });
  });

  it('can be switched off from context, with no web ACL left behind', () => {
    const off = synthRiskloop({ waf: 'false' }, { bundle: false });
    try {
      off.service.resourceCountIs('AWS::WAFv2::WebACL', 0);
      off.service.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    } finally {
      off.cleanup();
    }
  });
});
