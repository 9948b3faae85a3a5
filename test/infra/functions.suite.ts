import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stages } from '../../lib/config/stages';
import { functionId, resourcesOf, synth } from './synth';

const surfaces = [
  { name: 'SAML', description: /^natoma-sso SAML SP/, memory: 512, timeout: 10 },
  { name: 'SCIM', description: /SCIM 2\.0 server/, memory: 1024, timeout: 29 },
  { name: 'admin', description: /natoma-sso admin/, memory: 512, timeout: 30 },
  { name: 'OIDC', description: /^natoma-sso OIDC provider/, memory: 512, timeout: 10 },
];

describe.each(['dev', 'prod'] as const)('Lambda functions (%s)', (stageName) => {
  const { template } = synth(stageName);
  const functions = resourcesOf(template, 'AWS::Lambda::Function');
  const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup');

  it.each(surfaces)('runs the $name surface on nodejs22.x, arm64, with its memory and timeout', ({ description, memory, timeout }) => {
    const fn = functions[functionId(template, description)]!.Properties!;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      TracingConfig: { Mode: 'Active' },
    });
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      RUNTIME_MODE: 'deployed',
      LOG_LEVEL: stages[stageName].logLevel,
      TABLE_NAME: { Ref: expect.stringMatching(/^IdentityTable/) },
    });
  });

  it.each(surfaces)('logs the $name surface to its own log group with the stage retention', ({ description }) => {
    const fn = functions[functionId(template, description)]!.Properties!;
    const logGroupId = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(logGroups[logGroupId]?.Properties?.RetentionInDays).toBe(stages[stageName].logRetention);
    expect(logGroups[logGroupId]?.DeletionPolicy).toBe(stageName === 'prod' ? 'RetainExceptOnCreate' : 'Delete');
  });

  it('gives every function its own role without AWS managed policies', () => {
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    for (const { description } of surfaces) {
      const fn = functions[functionId(template, description)]!.Properties!;
      const roleId = (fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(roles[roleId]?.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('serves the operator API on an AWS_IAM Function URL of the unqualified admin function', () => {
    const adminId = functionId(template, /natoma-sso admin/);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [adminId, 'Arn'] },
      Qualifier: Match.absent(),
    });
  });

  it('offers operators a managed policy limited to invoking the admin function through its IAM URL', () => {
    const adminId = functionId(template, /natoma-sso admin/);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          { Action: 'lambda:InvokeFunctionUrl', Effect: 'Allow', Resource: { 'Fn::GetAtt': [adminId, 'Arn'] }, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
          { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [adminId, 'Arn'] }, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } },
        ],
      },
    });
    template.hasOutput('OperatorPolicyArn', {});
  });

  it('serves the console on a NONE Function URL of the `console` alias, public by permission only through the URL', () => {
    const adminId = functionId(template, /natoma-sso admin/);
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'console', FunctionName: { Ref: adminId } });
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      Qualifier: 'console',
      TargetFunctionArn: { 'Fn::GetAtt': [adminId, 'Arn'] },
    });
    template.resourceCountIs('AWS::Lambda::Url', 2);
    const publicPermissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).filter(
      (permission) => permission.Properties?.Principal === '*',
    );
    expect(publicPermissions.map((permission) => permission.Properties)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', FunctionUrlAuthType: 'NONE' }),
        expect.objectContaining({ Action: 'lambda:InvokeFunction', InvokedViaFunctionUrl: true }),
      ]),
    );
    expect(publicPermissions).toHaveLength(2);
  });

  it('tells the SAML Lambda the console origin without a trailing slash', () => {
    const saml = functions[functionId(template, /^natoma-sso SAML SP/)]!.Properties!;
    const variables = (saml.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.ADMIN_PUBLIC_URL)).toContain('AdminConsoleAliasFunctionUrl');
    expect(variables.ADMIN_PUBLIC_URL).toMatchObject({ 'Fn::Join': ['', ['https://', expect.anything()]] });
  });
});
