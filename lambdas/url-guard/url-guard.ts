import { DeleteParameterCommand, GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';

/**
 * Two custom resources share this handler (lib/constructs/public-url-guard.ts):
 * - `Custom::PublicUrlCheck` runs before anything that carries the URL and compares the stage's
 *   base URL with the one the stack last published; it fails the deployment when they differ,
 *   unless `AcceptChangeTo` names exactly the new URL.
 * - `Custom::PublicUrlRecord` runs after everything else and records the URL as published. During
 *   a rollback it runs first and writes the old URL back, so the check's own rollback passes.
 */
interface CheckProperties {
  ParameterName: string;
  BaseUrl: string;
  /** The `-c acceptPublicUrlChange=URL` of this deploy, or absent. */
  AcceptChangeTo?: string;
}
interface RecordProperties {
  ParameterName: string;
  BaseUrl: string;
  /** 'true' in stages that keep data: a re-created stack is then checked against the old URL too. */
  KeepOnDelete: string;
}

/** Stored where the stack's published base URL is kept (an SSM parameter). */
export interface PublishedUrlStore {
  read(name: string): Promise<string | undefined>;
  write(name: string, url: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export class PublicUrlChangeRefusedError extends Error {
  constructor(published: string, target: string) {
    super(
      `Refusing to change the public base URL from ${published} to ${target}. Every tenant's SAML Entity ID, ACS URL and SCIM ` +
        `base URL are built on it, so each customer's Okta or Entra app would stop working until its admin re-imports the SP ` +
        `metadata and SCIM settings. If the change is intended (lib/config/stages.ts, identity.publicDomain), tell the tenants ` +
        `first, then deploy with -c acceptPublicUrlChange=${target} (docs/operations.md, "Changing the public URL").`,
    );
    this.name = 'PublicUrlChangeRefusedError';
  }
}

/** The check: undefined when the deploy may go on, else the refusal. Pure, so it is tested on its own. */
export function urlChangeRefusal(published: string | undefined, target: string, acceptChangeTo: string | undefined): PublicUrlChangeRefusedError | undefined {
  if (published === undefined || published === target) return undefined;
  if (acceptChangeTo === target) return undefined;
  return new PublicUrlChangeRefusedError(published, target);
}

export interface UrlGuardDeps {
  store: PublishedUrlStore;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

export function createHandler(deps: UrlGuardDeps) {
  return async (event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> => {
    const physicalId = `${event.ResourceType}:${String(event.ResourceProperties.ParameterName)}`;
    if (event.ResourceType === 'Custom::PublicUrlCheck') {
      if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };
      const props = event.ResourceProperties as unknown as CheckProperties;
      const published = await deps.store.read(props.ParameterName);
      const refusal = urlChangeRefusal(published, props.BaseUrl, props.AcceptChangeTo);
      if (refusal) {
        deps.log('refused a public URL change', { published, target: props.BaseUrl });
        throw refusal;
      }
      deps.log(published !== undefined && published !== props.BaseUrl ? 'public URL change accepted by override' : 'public URL unchanged', { published, target: props.BaseUrl });
      return { PhysicalResourceId: physicalId };
    }
    if (event.ResourceType === 'Custom::PublicUrlRecord') {
      const props = event.ResourceProperties as unknown as RecordProperties;
      if (event.RequestType === 'Delete') {
        if (props.KeepOnDelete !== 'true') await deps.store.remove(props.ParameterName);
        return { PhysicalResourceId: physicalId };
      }
      await deps.store.write(props.ParameterName, props.BaseUrl);
      deps.log('recorded the published public URL', { url: props.BaseUrl });
      return { PhysicalResourceId: physicalId };
    }
    throw new Error(`unexpected resource type ${event.ResourceType}`);
  };
}

export function ssmPublishedUrlStore(ssm: Pick<SSMClient, 'send'>): PublishedUrlStore {
  return {
    async read(name) {
      try {
        const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
        return Parameter?.Value;
      } catch (error) {
        if (error instanceof ParameterNotFound || (error as { name?: string }).name === 'ParameterNotFound') return undefined;
        throw error;
      }
    },
    async write(name, url) {
      await ssm.send(
        new PutParameterCommand({ Name: name, Value: url, Type: 'String', Overwrite: true, Description: 'Public base URL natoma-sso last published (URL-drift guard)' }),
      );
    },
    async remove(name) {
      try {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
      } catch (error) {
        if (!(error instanceof ParameterNotFound || (error as { name?: string }).name === 'ParameterNotFound')) throw error;
      }
    },
  };
}
