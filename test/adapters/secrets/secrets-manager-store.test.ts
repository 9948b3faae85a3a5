import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore } from '../../../lambdas/adapters/secrets/secrets-manager-store';

const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });

describe('SecretsManagerSecretStore', () => {
  const sm = mockClient(SecretsManagerClient);
  let store: SecretsManagerSecretStore;
  beforeEach(() => {
    sm.reset();
    store = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'eu-west-1' }), { retryDelaysMs: [1, 1] });
  });

  it('returns the secret string', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'natoma/sp' }).resolves({ SecretString: '{"a":1}' });
    expect(await store.get('natoma/sp')).toBe('{"a":1}');
  });

  it('decodes a binary secret as UTF-8', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode('bin') });
    expect(await store.get('x')).toBe('bin');
  });

  it('returns undefined for a missing secret', async () => {
    sm.on(GetSecretValueCommand).rejects(notFound());
    expect(await store.get('missing')).toBeUndefined();
  });

  it('rethrows other errors on get', async () => {
    sm.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
    await expect(store.get('x')).rejects.toThrow('AccessDenied');
  });

  it('puts a new value on an existing secret', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    await store.put('s', 'v');
    expect(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: 's', SecretString: 'v' });
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
  });

  it('creates the secret when it does not exist yet', async () => {
    sm.on(PutSecretValueCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({});
    await store.put('scim/t1', '{"tokens":[]}');
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input).toEqual({ Name: 'scim/t1', SecretString: '{"tokens":[]}' });
  });

  it('creates again once a just force-deleted secret of the same name is gone', async () => {
    const pending = () => new InvalidRequestException({ message: "You can't create this secret because a secret with this name is already scheduled for deletion.", $metadata: {} });
    sm.on(PutSecretValueCommand).rejects(notFound());
    sm.on(CreateSecretCommand).rejectsOnce(pending()).resolves({});
    await store.put('scim/t1', 'v');
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(2);
  });

  it('gives up after the configured retries', async () => {
    const pending = () => new InvalidRequestException({ message: 'a secret with this name is already scheduled for deletion.', $metadata: {} });
    sm.on(PutSecretValueCommand).rejects(notFound());
    sm.on(CreateSecretCommand).rejects(pending());
    await expect(store.put('scim/t1', 'v')).rejects.toThrow(/scheduled for deletion/);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(3);
  });

  it('deletes at once, without a recovery window', async () => {
    sm.on(DeleteSecretCommand).resolves({});
    await store.delete('s');
    expect(sm.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({ SecretId: 's', ForceDeleteWithoutRecovery: true });
  });

  it('treats deleting a missing secret as done', async () => {
    sm.on(DeleteSecretCommand).rejects(notFound());
    await expect(store.delete('gone')).resolves.toBeUndefined();
  });
});
