import type { TenantId } from '../../core/ids';
import { recordTestOutcome } from '../../core/sso/lifecycle';
import { redeemTestTicket } from '../../core/sso/test-tickets';
import type { SamlProblem, SamlTestOutcome, Tenant } from '../../core/tenancy/tenant';
import type { SpUrls } from '../../core/tenancy/urls';
import { attr, parseXmlStrict } from '../../adapters/xml/strict-xml';
import { diagnose } from '../diagnose';
import type { GuardedResponse } from '../response-guard';
import { validateResponse } from '../response-validator';
import type { LoginStart } from '../saml-provider';
import { SamlLoginError } from '../saml-errors';
import { sameBrowser } from '../login-binding';
import { startLogin } from './sp-initiated';
import { parseStoredRequest, requestKeyOf, spendAssertion, startedElsewhere, type AcsOutcome, type SignInDeps, type StoredRequest } from './shared';

/**
 * Test SAML: an admin opens a single-use ticket link, logs in at the IdP against the DRAFT configuration,
 * and sees what the IdP sent or, plainly, what is wrong (never a session). The outcome is stored on the
 * draft only if the draft is still the one tested; Update then activates exactly that draft. The tenant is
 * always read fresh here, never from the sign-in cache: the draft was saved a moment ago.
 */

/** `readFresh` reads the tenant item itself (never a cached copy) and may refresh a cache with it. */
export async function openTest(deps: SignInDeps, tenantId: TenantId, ticket: string, apiBaseUrl: string, binding: string, readFresh: (tenantId: TenantId) => Promise<Tenant | undefined>): Promise<LoginStart | undefined> {
  const record = await redeemTestTicket(deps.ephemeral, ticket);
  if (!record || record.tenantId !== tenantId) {
    throw new SamlLoginError('test-ticket', 'This Test SAML link was already used or has expired. Start Test SAML again from the SSO settings.', [], 400, { title: 'Test link not valid' });
  }
  const tenant = await readFresh(tenantId);
  if (!tenant || tenant.sso.draft?.configId !== record.configId) {
    throw new SamlLoginError('draft-changed', 'The draft configuration changed after this test was started. Start Test SAML again.', [], 409, { title: 'Draft changed' });
  }
  return startLogin(deps, tenant, 'test', apiBaseUrl, binding);
}

/** The IdP's answer to a test login: validated against the draft, diagnosed, recorded on the draft. */
export async function finishTest(deps: SignInDeps, tenantId: TenantId, guarded: GuardedResponse, request: StoredRequest, urls: SpUrls): Promise<AcsOutcome> {
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) throw new SamlLoginError('unknown-tenant', 'This sign-in address is not known.', [], 404);
  const draft = tenant.sso.draft;
  if (!draft || draft.configId !== request.configId) throw new SamlLoginError('draft-changed', 'The draft configuration changed while this test was running. Start Test SAML again.', [], 409);
  const now = deps.clock.now();
  const context = { idp: draft, spEntityId: urls.spEntityId, acsUrl: urls.acsUrl, clockSkewSec: tenant.sso.clockSkewSec, now };
  let outcome: SamlTestOutcome;
  try {
    const assertion = await validateResponse(guarded, { ...context, requestId: guarded.inResponseTo });
    await spendAssertion(deps, tenantId, assertion);
    const missing = diagnose(guarded, context).filter((p) => p.code === 'missing-email');
    const advice = adviceOn(guarded);
    outcome = missing.length
      ? { status: 'failed', at: now.toISOString(), problems: missing }
      : { status: 'passed', at: now.toISOString(), attributes: assertion.attributes, nameId: assertion.nameId, ...(advice.length ? { advice } : {}) };
  } catch (error) {
    if (!(error instanceof SamlLoginError)) throw error;
    const found = diagnose(guarded, context);
    const problems: SamlProblem[] = found.length ? found : problemsOf(error);
    outcome = { status: 'failed', at: now.toISOString(), problems };
  }
  return testAnswer(deps, tenant, draft.configId, outcome);
}

/**
 * A response refused before validation (e.g. a SHA-1 signature) is, during Test SAML, a finding to report
 * rather than only an error; undefined when the response does not answer a test login of this tenant.
 */
export async function failedTestFromRefusal(deps: SignInDeps, tenantId: TenantId, xml: string, binding: string | undefined, error: SamlLoginError): Promise<AcsOutcome | undefined> {
  const requestId = requestIdOf(xml);
  const key = requestId === undefined ? undefined : requestKeyOf(requestId);
  if (!key) return undefined;
  const request = parseStoredRequest(await deps.ephemeral.take(key));
  const tenant = request?.purpose === 'test' ? await deps.tenants.get(tenantId) : undefined;
  if (!tenant || request?.purpose !== 'test' || request.tenantId !== tenantId || tenant.sso.draft?.configId !== request.configId) return undefined;
  if (!sameBrowser(request.bindingHash, binding)) throw startedElsewhere(deps, tenant, request);
  return testAnswer(deps, tenant, request.configId, { status: 'failed', at: deps.clock.now().toISOString(), problems: problemsOf(error) });
}

async function testAnswer(deps: SignInDeps, tenant: Tenant, configId: string, outcome: SamlTestOutcome): Promise<AcsOutcome> {
  const recorded = await recordTestOutcome(deps, tenant.id, configId, outcome);
  return { kind: 'test', tenant, outcome, recorded };
}

/** What works but should change: an assertion encrypted with AES-CBC (accepted, but GCM is authenticated encryption). */
function adviceOn(guarded: GuardedResponse): SamlProblem[] {
  if (!guarded.encryptionAlgorithm?.endsWith('-cbc')) return [];
  return [{ code: 'cbc-encryption', message: 'The IdP encrypts the assertion with AES-CBC. It works, but switch to AES-256-GCM in the IdP (Okta: Assertion Encryption Algorithm AES256-GCM), which also detects tampering', expected: 'AES-256-GCM', received: 'AES-CBC' }];
}

const problemsOf = (error: SamlLoginError): SamlProblem[] => (error.problems.length ? error.problems : [{ code: error.code, message: error.message }]);

/** The Response's InResponseTo, read leniently from XML that failed the structural checks (routing only). */
function requestIdOf(xml: string): string | undefined {
  try {
    return attr(parseXmlStrict(xml).documentElement ?? undefined, 'InResponseTo');
  } catch {
    return undefined;
  }
}
