import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler, holdsSpCredential } from '../../lambdas/sp-key-provisioner/handler';
import { generateSpCredential } from '../../lambdas/saml/sp-credentials';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:natoma-sso/dev/sp-credential-AbCdEf';
const existingCredential = JSON.stringify({ current: { privateKeyPem: 'KEEP-ME-KEY', certificatePem: 'KEEP-ME-CERT' } });

function event(requestType: 'Create' | 'Update' | 'Delete'): CdkCustomResourceEvent {
  const base = {
    ServiceToken: 'token',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'SpCredential',
    ResourceType: 'Custom::SpCredential',
    ResourceProperties: { ServiceToken: 'token', SecretId: SECRET_ID, CommonName: 'natoma-sso dev SP' },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  return { ...base, RequestType: requestType, PhysicalResourceId: SECRET_ID, OldResourceProperties: base.ResourceProperties } as CdkCustomResourceEvent;
}

/** A Secrets Manager stand-in: one secret, records every command. */
function fakeSecrets(initial: string) {
  let value = initial;
  const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  return {
    sent,
    current: () => value,
    client: {
      send: async (command: GetSecretValueCommand | PutSecretValueCommand) => {
        sent.push({ name: command.constructor.name, input: command.input as unknown as Record<string, unknown> });
        if (command instanceof PutSecretValueCommand) {
          value = String(command.input.SecretString);
          return {};
        }
        return { SecretString: value };
      },
    },
  };
}

const quiet = () => undefined;

describe('SP key provisioner custom resource', () => {
  it('writes a generated key pair into the placeholder secret on Create and returns no key material', async () => {
    // Prepare
    const secrets = fakeSecrets('CloudFormation-random-placeholder');
    const handler = createHandler({ secrets: secrets.client as never, generate: generateSpCredential, log: quiet });
    // Act
    const response = await handler(event('Create'));
    // Assess
    const stored = JSON.parse(secrets.current()) as { current: { privateKeyPem: string; certificatePem: string } };
    expect(stored.current.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(stored.current.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(response).toEqual({ PhysicalResourceId: SECRET_ID });
    expect(JSON.stringify(response)).not.toMatch(/BEGIN|PRIVATE/);
  });

  it.each(['Create', 'Update'] as const)('keeps an existing credential on %s', async (requestType) => {
    const secrets = fakeSecrets(existingCredential);
    const handler = createHandler({ secrets: secrets.client as never, generate: () => { throw new Error('must not generate'); }, log: quiet });
    await handler(event(requestType));
    expect(secrets.current()).toBe(existingCredential);
    expect(secrets.sent.map((command) => command.name)).toEqual(['GetSecretValueCommand']);
  });

  it('leaves the secret alone on Delete', async () => {
    const secrets = fakeSecrets(existingCredential);
    const handler = createHandler({ secrets: secrets.client as never, generate: generateSpCredential, log: quiet });
    const response = await handler(event('Delete'));
    expect(secrets.sent).toEqual([]);
    expect(response).toEqual({ PhysicalResourceId: SECRET_ID });
  });

  it('never logs key material', async () => {
    const lines: string[] = [];
    const secrets = fakeSecrets('placeholder');
    const handler = createHandler({
      secrets: secrets.client as never,
      generate: generateSpCredential,
      log: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
    });
    await handler(event('Create'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toMatch(/BEGIN|PRIVATE KEY/);
  });

  it('recognises only a complete credential as present', () => {
    expect(holdsSpCredential(existingCredential)).toBe(true);
    expect(holdsSpCredential('random placeholder')).toBe(false);
    expect(holdsSpCredential(JSON.stringify({ current: { certificatePem: 'x' } }))).toBe(false);
    expect(holdsSpCredential(undefined)).toBe(false);
  });
});
