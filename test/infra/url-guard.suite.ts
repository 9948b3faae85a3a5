import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { NatomaSsoStack } from '../../lib/stacks/natoma-sso-stack';
import { actionsOf, cdkContext, functionId, resourcesOf, roleStatements, synth, testConfig } from './synth';

type WithDeps = { DependsOn?: string[] };

describe.each(['dev', 'prod'] as const)('public URL guard (%s)', (stageName) => {
  const { template } = synth(stageName);
  const [checkId, check] = Object.entries(resourcesOf(template, 'Custom::PublicUrlCheck'))[0]!;
  const [recordId, record] = Object.entries(resourcesOf(template, 'Custom::PublicUrlRecord'))[0]!;
  const all = template.toJSON().Resources as Record<string, WithDeps & { Type: string }>;

  it('checks and records the stage base URL in one SSM parameter', () => {
    expect(check.Properties).toMatchObject({ ParameterName: `/natoma-sso/${stageName}/published-base-url` });
    expect(record.Properties).toMatchObject({ ParameterName: `/natoma-sso/${stageName}/published-base-url`, KeepOnDelete: String(stageName === 'prod') });
    expect(check.Properties?.BaseUrl).toEqual(record.Properties?.BaseUrl);
    expect(check.Properties?.AcceptChangeTo).toBeUndefined();
  });

  it('checks before the API stage and the surface Lambdas change, records after them', () => {
    const stageId = Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))[0]!;
    for (const id of [stageId, functionId(template, /^natoma-sso SAML SP/), functionId(template, /SCIM 2\.0 server/), functionId(template, /natoma-sso admin/)]) {
      expect(all[id]!.DependsOn, id).toContain(checkId);
      expect(all[recordId]!.DependsOn).toContain(id);
    }
    expect(all[checkId]!.DependsOn ?? []).not.toContain(recordId);
  });

  it('lets the guard Lambda touch that one parameter and nothing else in SSM', () => {
    const statements = roleStatements(template, functionId(template, /refuses deployments that would change the public base URL/));
    const ssm = statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('ssm:')));
    expect(ssm).toHaveLength(1);
    expect(actionsOf(ssm).sort()).toEqual(['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter']);
    expect(JSON.stringify(ssm[0]!.Resource)).toContain(`parameter/natoma-sso/${stageName}/published-base-url`);
  });
});

describe('public URL guard in prod', () => {
  it('guards the committed custom domain', () => {
    const { template } = synth('prod');
    const check = Object.values(resourcesOf(template, 'Custom::PublicUrlCheck'))[0]!;
    expect(check.Properties?.BaseUrl).toBe('https://sso.example.com');
    const domainId = Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::DomainName'))[0]!;
    expect((template.toJSON().Resources[domainId] as WithDeps).DependsOn).toContain(Object.keys(resourcesOf(template, 'Custom::PublicUrlCheck'))[0]);
  });

  it('passes the override of one deploy (-c acceptPublicUrlChange=URL) to the check', () => {
    const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
    const stack = new NatomaSsoStack(app, 'NatomaSso-prod', { stageName: 'prod', config: testConfig('prod'), acceptPublicUrlChange: 'https://sso.example.com' });
    const check = Object.values(resourcesOf(Template.fromStack(stack), 'Custom::PublicUrlCheck'))[0]!;
    expect(check.Properties).toMatchObject({ BaseUrl: 'https://sso.example.com', AcceptChangeTo: 'https://sso.example.com' });
  });
});
