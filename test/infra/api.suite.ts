import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stages } from '../../lib/config/stages';
import { functionId, resourcesOf, synth, testConfig, testIdentity } from './synth';

const expectedRouteKeys = [
  'GET /health',
  'GET /signin',
  'POST /signin',
  'GET /dashboard',
  'GET /logout',
  'POST /logout',
  'GET /saml/{tenantId}/metadata',
  'POST /saml/{tenantId}/acs',
  'GET /saml/{tenantId}/login',
  'GET /saml/{tenantId}/test',
  'ANY /scim/v2/{tenantId}',
  'ANY /scim/v2/{tenantId}/{proxy+}',
  'GET /.well-known/openid-configuration',
  'ANY /oidc/{proxy+}',
].sort();

describe.each(['dev', 'prod'] as const)('public HTTP API (%s)', (stageName) => {
  const { template } = synth(stageName);

  it('is one HTTP API with exactly the routes of docs/architecture.md', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routeKeys = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((route) => route.Properties?.RouteKey);
    expect(routeKeys.sort()).toEqual(expectedRouteKeys);
  });

  it('integrates Lambdas with payload format 2.0', () => {
    const integrations = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Integration'));
    expect(integrations).toHaveLength(3);
    for (const integration of integrations) {
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
  });

  it('throttles the auto-deployed $default stage with the stage config', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: stages[stageName].apiThrottle.rateLimit,
        ThrottlingBurstLimit: stages[stageName].apiThrottle.burstLimit,
      },
    });
  });

  it('writes JSON access logs that carry no query string, header, body or authorizer data', () => {
    const stage = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))[0]!;
    const settings = stage.Properties?.AccessLogSettings as { Format: string; DestinationArn: unknown };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PublicApiAccessLogs/), 'Arn'] });
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
    for (const value of Object.values(format)) {
      expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
      expect(value).not.toMatch(/querystring|header|body|requestOverride|authorizer|authorization|cookie/i);
    }
  });

  it('keeps access logs for the stage retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: stages[stageName].logRetention });
  });

});

describe('public base URL', () => {
  it('is the execute-api URL in dev, which names no domain', () => {
    const { template } = synth('dev');
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    template.hasOutput('ApiBaseUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PublicApiHttpApi'), 'ApiEndpoint'] } });
  });
});

describe('custom domain from the stage identity', () => {
  const publicDomain = {
    domainName: 'sso.example.com',
    certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
    hostedZone: { hostedZoneId: 'Z123456', zoneName: 'example.com' },
  };
  const { template } = synth('prod', { identity: { ...testIdentity, publicDomain } });

  it('maps the domain to the $default stage and creates the alias record', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'sso.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: publicDomain.certificateArn })],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'sso.example.com.', Type: 'A', HostedZoneId: 'Z123456' });
  });

  it('publishes the custom domain as the base URL the Lambdas and the output use', () => {
    template.hasOutput('ApiBaseUrl', { Value: 'https://sso.example.com' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PUBLIC_BASE_URL: 'https://sso.example.com' }) },
    });
  });
});

describe.each(['dev', 'prod'] as const)('edge limits (%s)', (stageName) => {
  const { template } = synth(stageName);
  const config = testConfig(stageName);

  it('gives each anonymous route its own throttle, so a flood on one cannot starve SCIM or the ACS', () => {
    const stage = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))[0]!;
    const settings = stage.Properties?.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(Object.keys(settings).sort()).toEqual([
      'ANY /oidc/{proxy+}',
      'GET /.well-known/openid-configuration',
      'GET /saml/{tenantId}/login',
      'GET /saml/{tenantId}/metadata',
      'GET /saml/{tenantId}/test',
      'GET /signin',
      'POST /saml/{tenantId}/acs',
      'POST /signin',
    ]);
    for (const [routeKey, limits] of Object.entries(config.routeThrottles)) {
      expect(settings[routeKey]).toEqual({ ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit });
      expect(limits.rateLimit).toBeLessThanOrEqual(config.apiThrottle.rateLimit);
    }
    expect(Object.keys(settings).some((key) => key.includes('/scim/'))).toBe(false);
  });

  it('creates the stage after its routes (route settings need existing route keys)', () => {
    const stageId = Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))[0]!;
    const dependsOn = (template.toJSON().Resources[stageId] as { DependsOn?: string[] }).DependsOn ?? [];
    for (const routeId of Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::Route'))) expect(dependsOn).toContain(routeId);
  });

  it('reserves (and caps) the admin Lambda concurrency as the stage says', () => {
    const admin = resourcesOf(template, 'AWS::Lambda::Function')[functionId(template, /natoma-sso admin/)]!;
    expect(admin.Properties?.ReservedConcurrentExecutions).toBe(config.adminReservedConcurrency);
    expect(config.adminReservedConcurrency === undefined).toBe(stageName === 'dev');
  });
});

describe('route throttle settings', () => {
  it('refuses a route key the API does not have, listing the real ones', () => {
    expect(() => synth('dev', { routeThrottles: { 'POST /sigin': { rateLimit: 1, burstLimit: 1 } } })).toThrow(/routeThrottles names routes the API does not have: POST \/sigin \(routes: .*POST \/signin/);
  });
});
