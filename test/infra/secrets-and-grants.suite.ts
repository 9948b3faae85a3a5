import { describe, expect, it } from 'vitest';
import { ITEM_ACTIONS } from '../../lib/constructs/identity-table';
import { MANAGE_ACTIONS } from '../../lib/constructs/scim-token-secrets';
import { actionsOf, functionId, resourcesOf, roleStatements, synth, type Statement } from './synth';

const secretActions = (statements: Statement[]) => actionsOf(statements).filter((action) => action.startsWith('secretsmanager:'));

describe.each(['dev', 'prod'] as const)('secrets and least privilege (%s)', (stageName) => {
  const { template } = synth(stageName);
  const json = JSON.stringify(template.toJSON());
  const spSecretId = Object.entries(resourcesOf(template, 'AWS::SecretsManager::Secret')).find(([, secret]) => String(secret.Properties?.Name).endsWith('/sp-credential'))![0];
  const saml = roleStatements(template, functionId(template, /^natoma-sso SAML SP/));
  const scim = roleStatements(template, functionId(template, /SCIM 2\.0 server/));
  const admin = roleStatements(template, functionId(template, /natoma-sso admin/));
  const provisioner = roleStatements(template, functionId(template, /generates the SAML SP key/));
  const maintenance = roleStatements(template, functionId(template, /^natoma-sso maintenance/));

  it('creates the SP credential and OIDC signing-key secrets with placeholder values, never key material', () => {
    const names = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret')).map((secret) => secret.Properties?.Name);
    expect(names.sort()).toEqual([`natoma-sso/${stageName}/oidc-signing-key`, `natoma-sso/${stageName}/sp-credential`]);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `natoma-sso/${stageName}/sp-credential`, GenerateSecretString: {} });
    // GenerateSecretString (a random placeholder) is expected; a literal SecretString or PEM is not.
    expect(/BEGIN (RSA |EC )?PRIVATE KEY|BEGIN CERTIFICATE|"SecretString"/.test(json)).toBe(false);
  });

  it('fills the SP secret through the custom resource, passing only its ID and a common name', () => {
    const [resource] = Object.values(resourcesOf(template, 'Custom::SpCredential'));
    expect(Object.keys(resource!.Properties!).sort()).toEqual(['CommonName', 'SecretId', 'ServiceToken']);
    expect(resource!.Properties!.SecretId).toEqual({ Ref: spSecretId });
  });

  it('keeps the SP and OIDC key secrets in prod except when their first create fails (so a retry can reuse the name), and deletes them with a dev stack', () => {
    for (const secret of Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret'))) {
      expect({ DeletionPolicy: secret.DeletionPolicy, UpdateReplacePolicy: secret.UpdateReplacePolicy }).toEqual({
        DeletionPolicy: stageName === 'prod' ? 'RetainExceptOnCreate' : 'Delete',
        UpdateReplacePolicy: stageName === 'prod' ? 'Retain' : 'Delete',
      });
    }
  });

  it('passes secret names to the Lambdas by environment', () => {
    const variables = (id: string) =>
      (resourcesOf(template, 'AWS::Lambda::Function')[id]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables(functionId(template, /^natoma-sso SAML SP/))).toMatchObject({ SP_KEY_SECRET_NAME: `natoma-sso/${stageName}/sp-credential` });
    expect(variables(functionId(template, /^natoma-sso SAML SP/))).not.toHaveProperty('SCIM_TOKEN_SECRET_PREFIX');
    expect(variables(functionId(template, /SCIM 2\.0 server/))).toMatchObject({ SCIM_TOKEN_SECRET_PREFIX: `natoma-sso/${stageName}/scim-tokens/` });
    expect(variables(functionId(template, /SCIM 2\.0 server/))).not.toHaveProperty('SP_KEY_SECRET_NAME');
    expect(variables(functionId(template, /natoma-sso admin/))).toMatchObject({ SCIM_TOKEN_SECRET_PREFIX: `natoma-sso/${stageName}/scim-tokens/` });
    expect(variables(functionId(template, /natoma-sso admin/))).not.toHaveProperty('SP_KEY_SECRET_NAME');
  });

  it('lets the SAML Lambda read the SP secret and write no secret at all', () => {
    expect(saml).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['secretsmanager:GetSecretValue']), Resource: { Ref: spSecretId } }));
    expect(secretActions(saml)).not.toEqual(expect.arrayContaining(['secretsmanager:PutSecretValue']));
    for (const action of ['PutSecretValue', 'CreateSecret', 'DeleteSecret', 'UpdateSecret']) {
      expect(secretActions(saml)).not.toContain(`secretsmanager:${action}`);
    }
    expect(JSON.stringify(saml)).not.toContain('scim-tokens');
  });

  it('lets the SCIM Lambda only read token hashes, never the SP secret', () => {
    expect(secretActions(scim)).toEqual(['secretsmanager:GetSecretValue']);
    const tokenRead = scim.filter((statement) => statement.Action === 'secretsmanager:GetSecretValue');
    expect(tokenRead).toHaveLength(1);
    expect(JSON.stringify(tokenRead[0]!.Resource)).toContain(`:secret:natoma-sso/${stageName}/scim-tokens/*`);
    expect(JSON.stringify(scim)).not.toContain(spSecretId);
  });

  it('lets the admin Lambda manage token hash secrets under the prefix and never touch the SP secret', () => {
    const tokenStatements = admin.filter((statement) => JSON.stringify(statement.Resource).includes('scim-tokens'));
    expect(tokenStatements).toHaveLength(1);
    expect(JSON.stringify(tokenStatements[0]!.Resource)).toContain(`natoma-sso/${stageName}/scim-tokens/*`);
    expect(actionsOf(tokenStatements).sort()).toEqual([...MANAGE_ACTIONS].sort());
    // The console takes the SP certificates from the published SP metadata, never from the key's secret.
    expect(JSON.stringify(admin)).not.toContain(spSecretId);
  });

  it('publishes the console origin in SSM for the admin Lambda, which cannot reference its own URL', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/natoma-sso/${stageName}/admin-console-url`, Type: 'String' });
    const adminVariables = (resourcesOf(template, 'AWS::Lambda::Function')[functionId(template, /natoma-sso admin/)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(adminVariables).toMatchObject({ ADMIN_PUBLIC_URL_PARAMETER: `/natoma-sso/${stageName}/admin-console-url` });
    expect(actionsOf(admin)).toContain('ssm:GetParameter');
  });

  it('lets the key provisioner read and write the SP secret only', () => {
    const secretStatements = provisioner.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('secretsmanager:')));
    expect(secretStatements.length).toBeGreaterThan(0);
    for (const statement of secretStatements) expect(statement.Resource).toEqual({ Ref: spSecretId });
    expect(secretActions(provisioner).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
  });

  it('grants item-level table access (no Scan, no table admin) on the table and gsi1 only', () => {
    for (const statements of [saml, scim, admin]) {
      const dynamo = statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('dynamodb:')));
      expect(dynamo).toHaveLength(1);
      expect(actionsOf(dynamo).sort()).toEqual([...ITEM_ACTIONS].sort());
      const resources = JSON.stringify(dynamo[0]!.Resource);
      expect(resources).toContain('/index/gsi1');
      expect(resources).not.toContain('*');
    }
    expect(/dynamodb:Scan|dynamodb:\*/.test(json)).toBe(false);
    expect(actionsOf(provisioner).some((action) => action.startsWith('dynamodb:'))).toBe(false);
  });

  it('uses Resource "*" only for X-Ray, which has no resource-level permissions', () => {
    for (const statements of [saml, scim, admin, provisioner, maintenance]) {
      for (const statement of statements.filter((candidate) => candidate.Resource === '*')) {
        expect(actionsOf([statement]).every((action) => action.startsWith('xray:'))).toBe(true);
      }
    }
  });
});
