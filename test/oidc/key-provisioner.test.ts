import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseOidcKeyRing } from '../../lambdas/core/oidc/signing-keys';
import { newOidcKeyRing } from '../../lambdas/oidc/signing-keyring';
import { createOidcKeyProvisioner } from '../../lambdas/oidc-key-provisioner/handler';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:natoma-sso/dev/oidc-signing-keys-AbCdEf';
const event = (RequestType: 'Create' | 'Update' | 'Delete') =>
  ({ RequestType, ServiceToken: 't', ResponseURL: 'https://example.invalid', StackId: 's', RequestId: 'r', LogicalResourceId: 'OidcKeys', ResourceType: 'Custom::OidcSigningKeys', PhysicalResourceId: SECRET_ID, ResourceProperties: { ServiceToken: 't', SecretId: SECRET_ID } }) as CdkCustomResourceEvent;

describe('the OIDC signing key provisioner (deploy-time custom resource)', () => {
  const secrets = mockClient(SecretsManagerClient);
  const logged: string[] = [];
  const handler = createOidcKeyProvisioner({ secrets: new SecretsManagerClient({}), generate: newOidcKeyRing, log: (message, fields) => logged.push(JSON.stringify({ message, ...fields })) });
  beforeEach(() => {
    secrets.reset();
    logged.length = 0;
  });

  it('generates a ring into a secret that holds only the placeholder, and logs no key material', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'random-placeholder' });
    secrets.on(PutSecretValueCommand).resolves({});
    expect(await handler(event('Create'))).toEqual({ PhysicalResourceId: SECRET_ID });
    const written = secrets.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString!;
    const ring = parseOidcKeyRing(written);
    expect(ring.current).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(logged.join('\n')).not.toContain(String(ring.current.d));
    expect(logged.join('\n')).not.toContain(ring.cookieKeys[0]);
  });

  it('keeps an existing ring on update and never touches the secret on delete', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(await newOidcKeyRing()) });
    await handler(event('Update'));
    await handler(event('Delete'));
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});
