import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { stageConfigProblems } from '../../lib/config/stages';
import { resourcesOf, synth, testConfig, testIdentity } from './synth';

const edgeCertificateArn = 'arn:aws:acm:us-east-1:111111111111:certificate/edge';
const withWaf = {
  waf: { ipRateLimitPer5Min: 500 },
  identity: { ...testIdentity, publicDomain: { ...testIdentity.publicDomain, edgeCertificateArn, hostedZone: { hostedZoneId: 'Z1', zoneName: 'example.com' } } },
};

describe('WAF switch off (default)', () => {
  it('has no CloudFront distribution and no web ACL; the API serves the domain itself', () => {
    const { stack, template } = synth('prod');
    expect(stack.edgeStack).toBeUndefined();
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 1);
  });
});

describe('WAF switch on (prod)', () => {
  const { app, stack, template } = synth('prod', withWaf);
  const edge = Template.fromStack(stack.edgeStack!);
  const acl = Object.values(resourcesOf(edge, 'AWS::WAFv2::WebACL'))[0]!;
  const rules = acl.Properties?.Rules as Array<{ Name: string; Statement: Record<string, unknown>; Action?: unknown }>;

  it('puts the web ACL in a us-east-1 companion stack with CLOUDFRONT scope', () => {
    expect(stack.edgeStack!.region).toBe('us-east-1');
    expect(stack.edgeStack!.account).toBe(testIdentity.account);
    expect(stack.edgeStack!.terminationProtection).toBe(true);
    expect(acl.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('applies AWS managed rules, letting large SAML responses and SCIM PATCHes through the body-size rule', () => {
    expect(rules.map((rule) => rule.Name)).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'RateLimitPerIpOutsideScim']);
    const common = rules[1]!.Statement.ManagedRuleGroupStatement as { RuleActionOverrides: unknown[] };
    expect(common.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
  });

  it('blocks an IP past the stage rate on every route but SCIM', () => {
    const rate = rules[3]!;
    expect(rate.Action).toEqual({ Block: {} });
    expect(rate.Statement.RateBasedStatement).toMatchObject({
      Limit: 500,
      AggregateKeyType: 'IP',
      ScopeDownStatement: { NotStatement: { Statement: { ByteMatchStatement: expect.objectContaining({ SearchString: '/scim/', PositionalConstraint: 'STARTS_WITH' }) } } },
    });
  });

  it('serves the public domain from CloudFront with the web ACL, caching nothing, in front of the execute-api host', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    const distribution = Object.values(resourcesOf(template, 'AWS::CloudFront::Distribution'))[0]!.Properties!.DistributionConfig as Record<string, unknown>;
    expect(distribution).toMatchObject({
      Aliases: ['sso.example.com'],
      ViewerCertificate: { AcmCertificateArn: edgeCertificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      DefaultCacheBehavior: expect.objectContaining({
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']),
      }),
    });
    expect(distribution.WebACLId).toEqual({ 'Fn::GetStackOutput': { StackName: 'NatomaSso-prod-edge', Region: 'us-east-1', OutputName: expect.stringMatching(/WebAclArn/) } });
    expect(JSON.stringify(distribution.Origins)).toContain('ApiEndpoint');
    const record = Object.values(resourcesOf(template, 'AWS::Route53::RecordSet'))[0]!.Properties!;
    expect(record).toMatchObject({ Name: 'sso.example.com.', Type: 'A', HostedZoneId: 'Z1' });
    expect(JSON.stringify(record.AliasTarget)).toMatch(/EdgeDistribution[0-9A-F]+","DomainName"/);
  });

  it('keeps the public base URL (and so every tenant URL) the same', () => {
    template.hasOutput('ApiBaseUrl', { Value: 'https://sso.example.com' });
    expect(Object.values(resourcesOf(template, 'Custom::PublicUrlCheck'))[0]!.Properties?.BaseUrl).toBe('https://sso.example.com');
    const checkId = Object.keys(resourcesOf(template, 'Custom::PublicUrlCheck'))[0]!;
    const distributionId = Object.keys(resourcesOf(template, 'AWS::CloudFront::Distribution'))[0]!;
    expect((template.toJSON().Resources[distributionId] as { DependsOn?: string[] }).DependsOn).toContain(checkId);
  });

  it('stays clean under cdk-nag in both stacks', () => {
    for (const scope of [stack, stack.edgeStack!]) {
      const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(scope);
      expect(report.violations.map((violation) => ({ rule: violation.ruleName, at: violation.violatingResources.map((resource) => resource.constructPath) }))).toEqual([]);
    }
  });
});

describe('WAF settings', () => {
  it('names what WAF needs: a us-east-1 certificate and a sane rate', () => {
    const problems = stageConfigProblems(testConfig('prod', { waf: { ipRateLimitPer5Min: 5 } }));
    expect(problems).toEqual([
      'waf.ipRateLimitPer5Min 5 must be an integer of at least 10 (the WAF minimum)',
      'waf needs identity.publicDomain.edgeCertificateArn (a us-east-1 ACM certificate for CloudFront)',
    ]);
    const wrongRegion = testConfig('prod', { ...withWaf, identity: { ...withWaf.identity, publicDomain: { ...withWaf.identity.publicDomain, edgeCertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/x' } } });
    expect(stageConfigProblems(wrongRegion)).toEqual(['identity.publicDomain.edgeCertificateArn "arn:aws:acm:eu-west-1:111111111111:certificate/x" is not an ACM certificate in us-east-1']);
  });
});

describe('console domain (identity.consoleDomain)', () => {
  const consoleDomain = { domainName: 'sso-admin.example.com', certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/console' };
  const distributions = (template: Template) =>
    Object.values(resourcesOf(template, 'AWS::CloudFront::Distribution')).map((distribution) => distribution.Properties!.DistributionConfig as Record<string, unknown>);

  it('serves the console on its domain through CloudFront and issues links with it', () => {
    const { template } = synth('prod', { identity: { ...testIdentity, consoleDomain } });
    const [consoleDistribution] = distributions(template);
    expect(consoleDistribution).toMatchObject({ Aliases: ['sso-admin.example.com'], ViewerCertificate: expect.objectContaining({ AcmCertificateArn: consoleDomain.certificateArn }) });
    expect(JSON.stringify(consoleDistribution!.Origins)).toContain('AdminConsoleAliasFunctionUrl');
    expect(consoleDistribution!.WebACLId).toBeUndefined();
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/natoma-sso/prod/admin-console-url', Value: 'https://sso-admin.example.com' });
    const samlEnv = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).map((fn) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.ADMIN_PUBLIC_URL);
    expect(samlEnv).toContain('https://sso-admin.example.com');
    template.hasOutput('ConsoleDomainTarget', {});
  });

  it('puts the console behind the same web ACL when WAF is on', () => {
    const { app, stack, template } = synth('prod', { ...withWaf, identity: { ...withWaf.identity, consoleDomain } });
    const all = distributions(template);
    expect(all).toHaveLength(2);
    for (const distribution of all) expect(JSON.stringify(distribution.WebACLId)).toContain('NatomaSso-prod-edge');
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack);
    expect(report.violations).toEqual([]);
  });

  it('stays clean under cdk-nag without WAF (the console relies on reserved concurrency)', () => {
    const { app, stack } = synth('prod', { identity: { ...testIdentity, consoleDomain } });
    expect(new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack).violations).toEqual([]);
  });

  it('needs a us-east-1 certificate and a domain of its own', () => {
    const problems = stageConfigProblems(
      testConfig('prod', { identity: { ...testIdentity, consoleDomain: { domainName: testIdentity.publicDomain.domainName, certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/c' } } }),
    );
    expect(problems).toEqual([
      'identity.consoleDomain.domainName must differ from identity.publicDomain.domainName',
      'identity.consoleDomain.certificateArn "arn:aws:acm:eu-west-1:111111111111:certificate/c" is not an ACM certificate in us-east-1 (CloudFront)',
    ]);
  });
});
