import type { TenantId } from '../../core/ids';
import { spUrls } from '../../core/tenancy/urls';
import type { Logger } from '../../http/logger';
import { decodeSamlResponse, guardResponse, type GuardedResponse } from '../response-guard';
import { SamlLoginError } from '../saml-errors';
import { recordAcsOutcome, recordRefusal } from '../sign-in-metrics';
import { decryptionKeysOf } from '../sp-credentials';
import { finishIdpInitiated } from './idp-initiated';
import { finishSpInitiated } from './sp-initiated';
import { failedTestFromRefusal, finishTest } from './test-saml';
import { parseStoredRequest, recordFailure, requestKey, type AcsOutcome, type SignInDeps } from './shared';

/**
 * The ACS: structural checks first (nothing is trusted before them), then the flow the response belongs to:
 * the login we started (SP-initiated, Test SAML, admin) when it carries InResponseTo, else IdP-initiated.
 * A refusal is recorded as the tenant's `login.failed` activity, then answered by the error table.
 */
export async function consumeResponse(deps: SignInDeps, tenantId: TenantId, samlResponse: string | undefined, apiBaseUrl: string, correlationId: string, log: Logger): Promise<AcsOutcome> {
  try {
    const outcome = await dispatch(deps, tenantId, samlResponse, apiBaseUrl, correlationId);
    recordAcsOutcome(log, tenantId, outcome, correlationId);
    return outcome;
  } catch (error) {
    if (error instanceof SamlLoginError) {
      log.warn('saml response refused', { tenantId, code: error.code });
      recordRefusal(log, tenantId, error.code, correlationId);
      await recordFailure(deps, tenantId, error, correlationId);
    }
    throw error;
  }
}

async function dispatch(deps: SignInDeps, tenantId: TenantId, samlResponse: string | undefined, apiBaseUrl: string, correlationId: string): Promise<AcsOutcome> {
  const xml = decodeSamlResponse(samlResponse);
  // The tenant read overlaps with the structural checks (CPU); nothing is trusted before both are done.
  const tenantRead = deps.cachedTenants.get(tenantId);
  tenantRead.catch(() => undefined);
  const keyring = await deps.keyring.get();
  let guarded: GuardedResponse;
  try {
    guarded = await guardResponse(xml, decryptionKeysOf(keyring));
  } catch (error) {
    const test = error instanceof SamlLoginError ? await failedTestFromRefusal(deps, tenantId, xml, error) : undefined;
    if (test) return test;
    throw error;
  }
  const requestRead = guarded.inResponseTo !== undefined ? deps.ephemeral.take(requestKey(guarded.inResponseTo)) : Promise.resolve(undefined);
  requestRead.catch(() => undefined);
  const tenant = await tenantRead;
  if (!tenant) throw new SamlLoginError('unknown-tenant', 'This sign-in address is not known.', [], 404);
  const urls = spUrls(apiBaseUrl, tenantId);
  if (guarded.inResponseTo === undefined) return finishIdpInitiated(deps, tenant, guarded, urls, correlationId);

  const request = parseStoredRequest(await requestRead);
  if (!request || request.tenantId !== tenantId) {
    throw new SamlLoginError('in-response-to', 'This sign-in response does not answer a sign-in we started, or it was already used or has expired. Please sign in again.');
  }
  if (request.purpose === 'test') return finishTest(deps, tenantId, guarded, request, urls);
  return finishSpInitiated(deps, tenant, guarded, { ...request, purpose: request.purpose }, urls, correlationId);
}
