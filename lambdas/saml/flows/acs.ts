import { actingAs } from '../../core/events/change-context';
import type { TenantId } from '../../core/ids';
import type { Tenant } from '../../core/tenancy/tenant';
import { spUrls } from '../../core/tenancy/urls';
import type { Logger } from '../../http/logger';
import { sameBrowser } from '../login-binding';
import { decodeSamlResponse, guardResponse, type GuardedResponse } from '../response-guard';
import { SamlLoginError } from '../saml-errors';
import { recordAcsOutcome, recordRefusal } from '../sign-in-metrics';
import { decryptionKeysOf } from '../sp-credentials';
import { finishIdpInitiated } from './idp-initiated';
import { finishSpInitiated } from './sp-initiated';
import { failedTestFromRefusal, finishTest } from './test-saml';
import { parseStoredRequest, recordFailure, requestKeyOf, startedElsewhere, type AcsOutcome, type SignInDeps } from './shared';

/** What the browser POSTed to a tenant's ACS. */
export interface AcsPost {
  readonly tenantId: TenantId;
  readonly samlResponse: string | undefined;
  /** The browser's login binding cookie (login-binding.ts), when it sent one. */
  readonly binding: string | undefined;
  readonly apiBaseUrl: string;
  readonly correlationId: string;
}

/**
 * The ACS: structural checks first (nothing is trusted before them), then the flow the response belongs to:
 * the login we started (SP-initiated, Test SAML, admin) when it carries InResponseTo, else IdP-initiated.
 * A refusal is recorded as the tenant's `login.failed` activity (shared.ts bounds that), then answered by the error table.
 */
export async function consumeResponse(deps: SignInDeps, post: AcsPost, log: Logger): Promise<AcsOutcome> {
  // One read of the tenant serves the checks, the flow and the refusal's activity entry.
  const tenantRead = deps.cachedTenants.get(post.tenantId);
  tenantRead.catch(() => undefined);
  try {
    // The IdP acts: a just-in-time user's `user.created` names it.
    const outcome = await actingAs({ actor: 'idp', correlationId: post.correlationId }, () => dispatch(deps, post, tenantRead));
    recordAcsOutcome(log, post.tenantId, outcome, post.correlationId);
    return outcome;
  } catch (error) {
    if (error instanceof SamlLoginError) {
      log.warn('saml response refused', { tenantId: post.tenantId, code: error.code });
      recordRefusal(log, post.tenantId, error.code, post.correlationId);
      await recordFailure(deps, post.tenantId, error, post.correlationId, tenantRead);
    }
    throw error;
  }
}

const unknownTenant = () => new SamlLoginError('unknown-tenant', 'This sign-in address is not known.', [], 404);

async function dispatch(deps: SignInDeps, post: AcsPost, tenantRead: Promise<Tenant | undefined>): Promise<AcsOutcome> {
  const { tenantId } = post;
  // The tenant read overlaps with the structural checks (CPU); nothing is trusted before both are done.
  const xml = decodeSamlResponse(post.samlResponse);
  // Nothing is decrypted for an address that is not a tenant with SSO configured (no oracle for anyone who can guess a URL).
  const keysOnceTenantKnown = async (): Promise<string[]> => {
    const tenant = await tenantRead;
    if (!tenant) throw unknownTenant();
    if (!tenant.sso.active && !tenant.sso.draft) throw new SamlLoginError('sso-not-active', 'Single sign-on is not active for this organisation.', [], 403);
    return decryptionKeysOf(await deps.keyring.get());
  };
  let guarded: GuardedResponse;
  try {
    guarded = await guardResponse(xml, keysOnceTenantKnown);
  } catch (error) {
    const test = error instanceof SamlLoginError && error.code !== 'unknown-tenant' ? await failedTestFromRefusal(deps, tenantId, xml, post.binding, error) : undefined;
    if (test) return test;
    throw error;
  }
  const key = guarded.inResponseTo !== undefined ? requestKeyOf(guarded.inResponseTo) : undefined;
  const requestRead = key ? deps.ephemeral.take(key) : Promise.resolve(undefined);
  requestRead.catch(() => undefined);
  const tenant = await tenantRead;
  if (!tenant) throw unknownTenant();
  const urls = spUrls(post.apiBaseUrl, tenantId);
  if (guarded.inResponseTo === undefined) return finishIdpInitiated(deps, tenant, guarded, urls, post.correlationId);

  const request = parseStoredRequest(await requestRead);
  if (!request || request.tenantId !== tenantId) {
    throw new SamlLoginError('in-response-to', 'This sign-in response does not answer a sign-in we started, or it was already used or has expired. Please sign in again.');
  }
  if (!sameBrowser(request.bindingHash, post.binding)) throw startedElsewhere(deps, tenant, request);
  if (request.purpose === 'test') return finishTest(deps, tenantId, guarded, request, urls);
  return finishSpInitiated(deps, tenant, guarded, { ...request, purpose: request.purpose }, urls, post.correlationId);
}
