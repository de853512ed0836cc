import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ControlTowerControls } from '../../infra/cdk/control-tower.js';
import { compliancePacks } from '../../infra/cdk/nag.js';
import { networkInterfaceActions } from '../../infra/cdk/network.js';
import {
  actionsOf,
  type CfnTemplate,
  policyStatements,
  props,
  resourcesOfType,
  type Synthesized,
  synthRiskloop,
} from './synth.js';

/**
 * `-c network=private`: the functions in isolated subnets, the AWS APIs through VPC endpoints. The same
 * compliance gates as the default (three cdk-nag packs, the Control Tower controls), with no exception for
 * CT.LAMBDA.PR.3 (functions in a VPC).
 */

const count = (t: CfnTemplate, type: string) => resourcesOfType(t, type).length;
const functionsOf = (t: CfnTemplate) => resourcesOfType(t, 'AWS::Lambda::Function');

describe('network context', () => {
  it('is public by default: no VPC, no network-interface permissions', () => {
    const plain = synthRiskloop({}, { bundle: false, compliancePacks: false });
    try {
      expect(count(plain.serviceJson, 'AWS::EC2::VPC')).toBe(0);
      expect(functionsOf(plain.serviceJson).every(([, fn]) => props(fn).VpcConfig === undefined)).toBe(true);
      const ec2 = policyStatements(plain.serviceJson).filter(({ statement }) =>
        actionsOf(statement).some((a) => a.startsWith('ec2:')),
      );
      expect(ec2).toEqual([]);
    } finally {
      plain.cleanup();
    }
  });

  it('refuses anything but public or private, naming the setting', () => {
    expect(() => synthRiskloop({ network: 'vpc' }, { bundle: false, compliancePacks: false })).toThrow(
      /Context "network" must be public .* or private .*: vpc/,
    );
  });
});

describe('private mode (-c network=private)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthRiskloop({ network: 'private' }, { bundle: false });
  });
  afterAll(() => s?.cleanup());
  it('passes the three cdk-nag packs with no open finding', () => {
    const open = compliancePacks(s.app).flatMap((pack) =>
      pack
        .validateScope(s.app)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    );
    expect(open).toEqual([]);
  });

  it('passes the Control Tower controls with no open finding, and CT.LAMBDA.PR.3 has no finding at all', () => {
    const findings = new ControlTowerControls().findings(
      s.assembly.stacks.map((stack) => join(s.assembly.directory, stack.templateFile)),
    );
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => !f.suppressedBecause).map((f) => `${f.rule} at ${f.logicalId}`)).toEqual(
      [],
    );
    expect(findings.filter((f) => f.control === 'CT.LAMBDA.PR.3')).toEqual([]);
    const suppressesVpcRule = [s.dataJson, s.serviceJson, s.apiJson].flatMap((t) =>
      Object.entries(t.Resources).filter(([, r]) =>
        JSON.stringify(r.Metadata ?? {}).includes('lambda_inside_vpc'),
      ),
    );
    expect(suppressesVpcRule.map(([id]) => id)).toEqual([]);
  }, 120_000);

  it('builds a VPC without internet gateway or NAT, isolated subnets in at least two zones', () => {
    const t = s.serviceJson;
    expect(count(t, 'AWS::EC2::VPC')).toBe(1);
    for (const type of [
      'AWS::EC2::InternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::NatGateway',
      'AWS::EC2::EIP',
      'AWS::EC2::EgressOnlyInternetGateway',
      'AWS::EC2::Route',
    ]) {
      expect(count(t, type), type).toBe(0);
    }
    const subnets = resourcesOfType(t, 'AWS::EC2::Subnet').map(([, r]) => props(r));
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    expect(new Set(subnets.map((p) => JSON.stringify(p.AvailabilityZone))).size).toBe(subnets.length);
    for (const p of subnets) expect(p.MapPublicIpOnLaunch).toBe(false);
    // Flow logs of all traffic into an encrypted log group.
    const [flowLog] = resourcesOfType(t, 'AWS::EC2::FlowLog').map(([, r]) => props(r));
    expect(flowLog).toMatchObject({
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    const group = resourcesOfType(t, 'AWS::Logs::LogGroup').find(
      ([, r]) => props(r).LogGroupName === '/aws/vpc/riskloop-dev-network',
    );
    expect(props(group?.[1]).KmsKeyId).toBeDefined();
  });

  it('reaches each AWS service through an endpoint whose policy names riskloop resources of the stage', () => {
    const endpoints = resourcesOfType(s.serviceJson, 'AWS::EC2::VPCEndpoint').map(([, r]) => props(r));
    const service = (p: Record<string, unknown>) =>
      JSON.stringify(p.ServiceName).replace(/^.*\.([a-z0-9]+)"\]\]\}$/, '$1');
    const byService = new Map(endpoints.map((p) => [service(p), p]));
    expect([...byService.keys()].sort()).toEqual(['dynamodb', 'events', 'kms', 'logs', 's3', 'sqs', 'xray']);
    for (const [name, p] of byService) {
      const gateway = name === 'dynamodb' || name === 's3';
      expect(p.VpcEndpointType, name).toBe(gateway ? 'Gateway' : 'Interface');
      if (!gateway) expect(p.PrivateDnsEnabled, name).toBe(true);
      const statements = (p.PolicyDocument as { Statement: { Resource: unknown; Condition?: unknown }[] })
        .Statement;
      expect(statements.length, name).toBe(1);
      const resource = JSON.stringify(statements[0]?.Resource);
      if (name === 'xray')
        expect(resource).toBe('"*"'); // X-Ray has no resource-level permissions
      else if (name === 'kms') expect(resource).toMatch(/"OutputName":"StorageKeyArn"/);
      else if (name === 's3')
        expect(resource).toMatch(/:s3:::cloudformation-custom-resource-response-\*\/\*"\]\]\}$/);
      else expect(resource, name).toMatch(/riskloop-dev-\*"\]\]\}$/);
      if (name !== 's3') {
        expect(statements[0]?.Condition, name).toEqual({
          StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } },
        });
      }
    }
  });

  it('runs every function in the isolated subnets with the functions group, the authoriser included', () => {
    const [[groupId]] = resourcesOfType(s.serviceJson, 'AWS::EC2::SecurityGroup').filter(([, r]) =>
      String(props(r).GroupDescription).includes('functions'),
    ) as unknown as [[string]];
    const fns = functionsOf(s.serviceJson);
    expect(fns.length).toBeGreaterThan(20);
    for (const [id, fn] of fns) {
      const vpc = props(fn).VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] } | undefined;
      expect(vpc?.SubnetIds.length, id).toBeGreaterThanOrEqual(2);
      expect(vpc?.SecurityGroupIds, id).toEqual([{ 'Fn::GetAtt': [groupId, 'GroupId'] }]);
    }
  });

  it('lets nothing in to the functions and nothing out but HTTPS', () => {
    const groups = resourcesOfType(s.serviceJson, 'AWS::EC2::SecurityGroup');
    const ingress = resourcesOfType(s.serviceJson, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => props(r));
    for (const [id, g] of groups) expect(props(g).SecurityGroupIngress, id).toBeUndefined();
    // The one ingress rule: the endpoints' group admits the functions' group on 443.
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ FromPort: 443, ToPort: 443, IpProtocol: 'tcp' });
    expect(JSON.stringify(ingress[0]?.SourceSecurityGroupId)).toMatch(/NetworkFunctions/);
    const egress = [
      ...groups.flatMap(
        ([, g]) => (props(g).SecurityGroupEgress as Record<string, unknown>[] | undefined) ?? [],
      ),
      ...resourcesOfType(s.serviceJson, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => props(r)),
    ].filter((rule) => rule.CidrIp !== '255.255.255.255/32'); // CDK's placeholder for "no egress"
    expect(egress.length).toBeGreaterThan(0);
    for (const rule of egress) expect(rule).toMatchObject({ FromPort: 443, ToPort: 443, IpProtocol: 'tcp' });
  });

  it('gives every function role the network-interface permissions Lambda needs, and only those on "*"', () => {
    const policies = resourcesOfType(s.serviceJson, 'AWS::IAM::ManagedPolicy').filter(([, p]) =>
      String(props(p).Description).includes('least privilege from infra/manifest.ts'),
    );
    expect(policies.length).toBe(functionsOf(s.serviceJson).length);
    for (const [id] of policies) {
      const statements = policyStatements({
        Resources: { [id]: s.serviceJson.Resources[id] },
      } as CfnTemplate);
      const eni = statements.filter(({ statement }) =>
        actionsOf(statement).some((a) => a.startsWith('ec2:')),
      );
      // Merged with the X-Ray statement (the same Resource "*") by CDK's policy minimisation.
      const eniActions = eni
        .flatMap(({ statement }) => actionsOf(statement))
        .filter((a) => a.startsWith('ec2:'));
      expect(eniActions.sort(), id).toEqual([...networkInterfaceActions].sort());
      for (const { statement } of statements) {
        const resources = [statement.Resource].flat();
        if (!resources.includes('*')) continue;
        expect(
          actionsOf(statement).every((a) => a.startsWith('xray:') || networkInterfaceActions.includes(a)),
          id,
        ).toBe(true);
      }
    }
  });

  it('with a known account and region: three zones, and HTTPS out only to the gateway prefix lists', () => {
    // Lookups without credentials give CDK's placeholders: three AZs, prefix list pl-xxxxxxxx.
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '123456789012');
    vi.stubEnv('CDK_DEFAULT_REGION', 'eu-central-1');
    const known = synthRiskloop({ network: 'private' }, { bundle: false });
    try {
      const subnets = resourcesOfType(known.serviceJson, 'AWS::EC2::Subnet').map(([, r]) => props(r));
      expect(new Set(subnets.map((p) => p.AvailabilityZone)).size).toBe(3);
      const [functionsGroup] = resourcesOfType(known.serviceJson, 'AWS::EC2::SecurityGroup').filter(([, r]) =>
        String(props(r).GroupDescription).includes('functions'),
      );
      const groupId = functionsGroup?.[0] ?? '';
      const egress = [
        ...((props(functionsGroup?.[1]).SecurityGroupEgress as Record<string, unknown>[] | undefined) ?? []),
        ...resourcesOfType(known.serviceJson, 'AWS::EC2::SecurityGroupEgress')
          .map(([, r]) => props(r))
          .filter((rule) => JSON.stringify(rule.GroupId).includes(groupId)),
      ].filter((rule) => rule.DestinationSecurityGroupId === undefined); // the endpoints' group, checked above
      // Both lookups use the same placeholder, so CDK folds the two rules into one here.
      expect(egress.length).toBeGreaterThan(0);
      for (const rule of egress) {
        expect(rule).toMatchObject({ DestinationPrefixListId: 'pl-xxxxxxxx', FromPort: 443, ToPort: 443 });
      }
      const lookups = (known.assembly.manifest.missing ?? []).map((m) => JSON.stringify(m.props));
      for (const service of ['dynamodb', 's3']) {
        expect(
          lookups.some((l) => l.includes(`"PrefixListName":"com.amazonaws.eu-central-1.${service}"`)),
        ).toBe(true);
      }
      expect(JSON.stringify(known.serviceJson)).not.toContain('0.0.0.0/0');
    } finally {
      known.cleanup();
      vi.unstubAllEnvs();
    }
  });

  it('keeps only the authoriser outside when people sign in with an identity provider (its JWKS)', () => {
    const oidc = synthRiskloop(
      {
        network: 'private',
        oidcIssuer: 'https://login.example.com/realms/bank',
        oidcAudience: 'riskloop-api',
        oidcRoleMapping: '[["riskloop-admins","admin"]]',
      },
      { bundle: false },
    );
    try {
      const outside = functionsOf(oidc.serviceJson).filter(([, fn]) => props(fn).VpcConfig === undefined);
      expect(outside.map(([id]) => id)).toHaveLength(1);
      const [authoriser] = outside;
      expect(authoriser?.[0]).toMatch(/^Authorizer/);
      // Suppressed on that one function, with the reason in its template metadata.
      expect(JSON.stringify(authoriser?.[1].Metadata)).toMatch(/"lambda_inside_vpc_check":"[^"]*JWKS/);
    } finally {
      oidc.cleanup();
    }
  });
});
