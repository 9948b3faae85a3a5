import { DeleteParameterCommand, GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CdkCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler, ssmPublishedUrlStore, urlChangeRefusal } from '../../lambdas/url-guard/handler';

const PARAMETER = '/natoma-sso/prod/published-base-url';
const OLD = 'https://sso.example.com';
const NEW = 'https://login.example.com';

const ssm = mockClient(SSMClient);
const handler = createHandler({ store: ssmPublishedUrlStore(ssm as unknown as SSMClient), log: () => {} });

function event(
  type: 'Custom::PublicUrlCheck' | 'Custom::PublicUrlRecord',
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, string>,
): CdkCustomResourceEvent {
  const base = {
    ServiceToken: 'token',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'Guard',
    ResourceType: type,
    ResourceProperties: { ServiceToken: 'token', ParameterName: PARAMETER, ...properties },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  return { ...base, RequestType: requestType, PhysicalResourceId: `${type}:${PARAMETER}`, OldResourceProperties: base.ResourceProperties } as CdkCustomResourceEvent;
}

const published = (url: string | undefined) => {
  if (url === undefined) ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  else ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Value: url } });
};

beforeEach(() => ssm.reset());

describe('URL-drift check (deploy time)', () => {
  it('lets the first deploy through: nothing was published yet', async () => {
    published(undefined);
    await expect(handler(event('Custom::PublicUrlCheck', 'Create', { BaseUrl: NEW }))).resolves.toMatchObject({ PhysicalResourceId: expect.any(String) });
  });

  it('lets a redeploy with the same URL through', async () => {
    published(OLD);
    await expect(handler(event('Custom::PublicUrlCheck', 'Update', { BaseUrl: OLD }))).resolves.toBeDefined();
  });

  it('refuses a changed URL and explains what breaks and how to override', async () => {
    published(OLD);
    const attempt = handler(event('Custom::PublicUrlCheck', 'Update', { BaseUrl: NEW }));
    await expect(attempt).rejects.toThrow(`Refusing to change the public base URL from ${OLD} to ${NEW}`);
    await expect(attempt).rejects.toThrow(/Okta or Entra app would stop working.*-c acceptPublicUrlChange=https:\/\/login\.example\.com/);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('refuses a re-created stack whose URL differs from the one the retained record holds', async () => {
    published(OLD);
    await expect(handler(event('Custom::PublicUrlCheck', 'Create', { BaseUrl: NEW }))).rejects.toThrow(/Refusing/);
  });

  it('accepts the change when the override names exactly the new URL', async () => {
    published(OLD);
    await expect(handler(event('Custom::PublicUrlCheck', 'Update', { BaseUrl: NEW, AcceptChangeTo: NEW }))).resolves.toBeDefined();
  });

  it('still refuses when the override names another URL (a stale flag)', async () => {
    published(OLD);
    await expect(handler(event('Custom::PublicUrlCheck', 'Update', { BaseUrl: NEW, AcceptChangeTo: 'https://other.example.com' }))).rejects.toThrow(/Refusing/);
  });

  it('checks nothing on delete', async () => {
    await expect(handler(event('Custom::PublicUrlCheck', 'Delete', { BaseUrl: NEW }))).resolves.toBeDefined();
    expect(ssm.calls()).toHaveLength(0);
  });

  it('decides with a pure rule', () => {
    expect(urlChangeRefusal(undefined, NEW, undefined)).toBeUndefined();
    expect(urlChangeRefusal(OLD, OLD, undefined)).toBeUndefined();
    expect(urlChangeRefusal(OLD, NEW, NEW)).toBeUndefined();
    expect(urlChangeRefusal(OLD, NEW, undefined)?.name).toBe('PublicUrlChangeRefusedError');
  });
});

describe('URL record (after the rest deployed)', () => {
  it('writes the published URL on create and update, overwriting', async () => {
    ssm.on(PutParameterCommand).resolves({});
    await handler(event('Custom::PublicUrlRecord', 'Update', { BaseUrl: NEW, KeepOnDelete: 'true' }));
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({ Name: PARAMETER, Value: NEW, Type: 'String', Overwrite: true });
  });

  it('keeps the record when the stack is deleted in a stage that keeps data', async () => {
    await handler(event('Custom::PublicUrlRecord', 'Delete', { BaseUrl: OLD, KeepOnDelete: 'true' }));
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(0);
  });

  it('removes the record with a disposable stage, tolerating a record already gone', async () => {
    ssm.on(DeleteParameterCommand).rejects(new ParameterNotFound({ message: 'gone', $metadata: {} }));
    await expect(handler(event('Custom::PublicUrlRecord', 'Delete', { BaseUrl: OLD, KeepOnDelete: 'false' }))).resolves.toBeDefined();
    expect(ssm.commandCalls(DeleteParameterCommand)[0]!.args[0].input).toEqual({ Name: PARAMETER });
  });
});
