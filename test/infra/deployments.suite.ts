import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functionId, resourcesOf, synth } from './synth';

describe('gradual deployment of SAML, SCIM and OIDC (prod)', () => {
  const { template } = synth('prod');
  const groups = Object.values(resourcesOf(template, 'AWS::CodeDeploy::DeploymentGroup'));
  const aliases = resourcesOf(template, 'AWS::Lambda::Alias');
  const liveAliasOf = (description: RegExp) => {
    const fnId = functionId(template, description);
    return Object.entries(aliases).find(([, alias]) => alias.Properties?.Name === 'live' && JSON.stringify(alias.Properties?.FunctionName) === JSON.stringify({ Ref: fnId }));
  };

  it('shifts traffic 10% first for 5 minutes through CodeDeploy, one deployment group per surface', () => {
    expect(groups).toHaveLength(3);
    template.resourceCountIs('AWS::CodeDeploy::Application', 3);
    for (const group of groups) {
      expect(group.Properties).toMatchObject({
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST']) },
        DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL', DeploymentType: 'BLUE_GREEN' },
      });
    }
  });

  it.each([
    { name: 'SAML', description: /^natoma-sso SAML SP/, alarmPrefix: 'AlarmsSaml' },
    { name: 'SCIM', description: /SCIM 2\.0 server/, alarmPrefix: 'AlarmsScim' },
    { name: 'OIDC', description: /^natoma-sso OIDC provider/, alarmPrefix: 'AlarmsOidc' },
  ])('rolls $name back on its errors, its latency or the API 5xx rate', ({ description, alarmPrefix }) => {
    const [aliasId, alias] = liveAliasOf(description)!;
    expect(alias.Properties?.Name).toBe('live');
    const group = template.toJSON().Resources[aliasId].UpdatePolicy.CodeDeployLambdaAliasUpdate as { DeploymentGroupName: { Ref: string } };
    const groupResource = resourcesOf(template, 'AWS::CodeDeploy::DeploymentGroup')[group.DeploymentGroupName.Ref]!;
    const alarmRefs = (groupResource.Properties?.AlarmConfiguration as { Alarms: Array<{ Name: { Ref: string } }>; Enabled: boolean }).Alarms.map((alarm) => alarm.Name.Ref);
    expect(alarmRefs).toHaveLength(3);
    expect(alarmRefs).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${alarmPrefix}Errors`)), expect.stringMatching(new RegExp(`^${alarmPrefix}LatencyNearTimeout`)), expect.stringMatching(/^AlarmsApi5xxRate/)]),
    );
  });

  it('points the API at the `live` aliases, not at $LATEST', () => {
    for (const description of [/^natoma-sso SAML SP/, /SCIM 2\.0 server/, /^natoma-sso OIDC provider/]) {
      const [aliasId] = liveAliasOf(description)!;
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationUri: { Ref: aliasId } });
    }
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', FunctionName: { Ref: Match.stringLikeRegexp('^SamlLiveAlias') } });
  });
});

describe('dev deploys at once', () => {
  it('has no deployment group and no live alias', () => {
    const { template } = synth('dev');
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
    expect(Object.values(resourcesOf(template, 'AWS::Lambda::Alias')).map((alias) => alias.Properties?.Name)).toEqual(['console']);
  });
});
