/**
 * A development SAML IdP for the local twin (never bundled into a Lambda), built on samlify so that
 * it is an implementation independent of ours, signing with its own key.
 *
 * Usage (local/twin.ts):
 *   const devIdp = await createDevIdp({ baseUrl: `${publicBaseUrl}/_dev-idp`, dataDir, spLookup });
 *   api['dev-idp'] = devIdp.handleEvent;            // event-style, for the HTTP→event bridge (routes /_dev-idp/{proxy+})
 *   // or, on a plain node:http server: devIdp.handle(req, res, url.pathname.slice('/_dev-idp'.length) || '/')
 * Pages: `${baseUrl}/metadata` (paste this URL as the tenant's IdP metadata URL), `/sso` (receives the
 * AuthnRequest, shows a small sign-in form, posts a signed SAMLResponse to the ACS), `/tile?tenant=ID`
 * (IdP-initiated: an unsolicited response, like the Okta dashboard tile).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import * as samlify from 'samlify';
import { bodyText, type HttpEvent, type HttpResult } from '../lambdas/http/request';
import { generateSpCredential, type SpCredential } from '../lambdas/saml/sp-credentials';
import { checkRedirectSignature, spSigningView, type RequestSignature } from './dev-idp-signed-requests';

samlify.setSchemaValidator({ validate: async () => 'skipped' });

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const MAX_BODY = 64 * 1024;

export interface DevIdpSp {
  readonly entityId: string;
  readonly acsUrl: string;
  /** Used to prefill the email field (first domain of the tenant). */
  readonly emailDomain?: string;
}

export interface DevIdpOptions {
  /** Where the IdP is mounted, e.g. http://127.0.0.1:3000/_dev-idp. */
  readonly baseUrl: string;
  /** The key and certificate persist under `${dataDir}/dev-idp/` (owner-only); in memory when absent. */
  readonly dataDir?: string;
  /**
   * Finds a tenant's SP (for /tile and to prefill the form). When absent, the SP is derived from our URL
   * grammar: Entity ID `${api}/saml/${tenantId}/metadata`, ACS `${api}/saml/${tenantId}/acs`.
   */
  readonly spLookup?: (tenantId: string) => Promise<DevIdpSp | undefined>;
  /**
   * Reads an SP's metadata (its Entity ID is its metadata URL) to check AuthnRequest signatures against
   * the SP's published certificates, and to refuse unsigned requests when the SP says it signs them.
   * @default - fetched from the Entity ID when it is on the IdP's own origin, and only for signed requests
   */
  readonly spMetadata?: (entityId: string) => Promise<string | undefined>;
}

export interface DevIdp {
  readonly entityId: string;
  readonly metadataUrl: string;
  readonly metadata: string;
  readonly certificatePem: string;
  /** Serves `subPath` ('/metadata', '/sso', '/tile') of the IdP on a node:http response. */
  handle(req: IncomingMessage, res: ServerResponse, subPath: string): Promise<void>;
  /** The same as an API Gateway-style handler: any path under `/_dev-idp`. */
  handleEvent(event: HttpEvent): Promise<HttpResult>;
}

interface DevIdpRequest {
  readonly method: string;
  readonly subPath: string;
  readonly query: URLSearchParams;
  /** The query string as sent: a Redirect-binding signature covers its encoded bytes. */
  readonly rawQuery: string;
  readonly form: () => Promise<URLSearchParams>;
}

interface DevIdpReply {
  readonly status: number;
  readonly body: string;
  readonly type?: string;
  readonly csp?: string;
}

interface Pending {
  readonly sp: DevIdpSp;
  readonly inResponseTo?: string;
  readonly relayState?: string;
  readonly expiresAt: number;
}

async function loadCredential(dataDir: string | undefined): Promise<SpCredential> {
  if (!dataDir) return generateSpCredential('natoma-sso development IdP', 3650);
  const dir = join(dataDir, 'dev-idp');
  const file = join(dir, 'idp-key.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SpCredential;
  } catch {
    const { privateKeyPem, certificatePem } = generateSpCredential('natoma-sso development IdP', 3650);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(file, JSON.stringify({ privateKeyPem, certificatePem }), { mode: 0o600 });
    await chmod(file, 0o600);
    return { privateKeyPem, certificatePem };
  }
}

const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · Dev IdP</title>
<style>body{font-family:system-ui,sans-serif;background:#1f2937;color:#111;margin:0}main{max-width:26rem;margin:10vh auto;background:#fff;border-radius:10px;padding:1.75rem 2rem}
h1{font-size:1.25rem}label{display:block;font-weight:600;margin:.9rem 0 .3rem}input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #888;border-radius:6px;font-size:1rem}
button{margin-top:1.2rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#0f766e;color:#fff;font-size:1rem}.muted{color:#555;font-size:.85rem}</style></head>
<body><main>${body}<p class="muted">natoma-sso development IdP: for the local twin only.</p></main></body></html>`;
}

const respond = (status: number, body: string, type = 'text/html; charset=utf-8', csp?: string): DevIdpReply => ({ status, body, type, csp });

function headersOf(reply: DevIdpReply): Record<string, string> {
  const type = reply.type ?? 'text/html; charset=utf-8';
  return {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html') ? { 'content-security-policy': reply.csp ?? "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" } : {}),
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Our URL grammar: `${api}/saml/${tenantId}/metadata` is the Entity ID, `${api}/saml/${tenantId}/acs` the ACS. */
function spFromEntityId(entityId: string): DevIdpSp | undefined {
  const match = /^(https?:\/\/[^/]+(?:\/[^?#]*)?)\/saml\/([a-z0-9]+)\/metadata$/.exec(entityId);
  return match ? { entityId, acsUrl: `${match[1]}/saml/${match[2]}/acs` } : undefined;
}

export async function createDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const credential = await loadCredential(options.dataDir);
  const entityId = `${baseUrl}/metadata`;
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: credential.privateKeyPem,
    signingCert: credential.certificatePem,
    requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    wantAuthnRequestsSigned: false,
    singleSignOnService: [
      { Binding: REDIRECT, Location: `${baseUrl}/sso` },
      { Binding: POST, Location: `${baseUrl}/sso` },
    ],
    singleLogoutService: [{ Binding: REDIRECT, Location: `${baseUrl}/slo` }],
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
  });
  const metadata = idp.getMetadata();
  // The same IdP, asking for signed AuthnRequests: a tenant that imports this URL gets wantAuthnRequestsSigned.
  const signedRequestsMetadata = metadata.replace('WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"');
  if (signedRequestsMetadata === metadata) throw new Error('the dev IdP metadata has no WantAuthnRequestsSigned attribute to turn on');
  const ownOrigin = new URL(baseUrl).origin;
  const readSpMetadata = async (entityId: string): Promise<string | undefined> => {
    if (options.spMetadata) return options.spMetadata(entityId);
    if (new URL(entityId).origin !== ownOrigin) return undefined;
    const response = await fetch(entityId, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? response.text() : undefined;
  };
  const requestSignature = async (issuer: string, rawQuery: string): Promise<RequestSignature> => {
    const signed = /(^|&)Signature=/.test(rawQuery);
    if (!signed && !options.spMetadata) return { signed: false };
    const spMetadataXml = await readSpMetadata(issuer).catch(() => undefined);
    if (spMetadataXml === undefined) {
      if (signed) throw new Error('the SP metadata could not be read, so the AuthnRequest signature cannot be checked');
      return { signed: false };
    }
    return checkRedirectSignature(rawQuery, spSigningView(spMetadataXml));
  };
  const pending = new Map<string, Pending>();

  const lookup = async (tenantId: string): Promise<DevIdpSp | undefined> => {
    if (options.spLookup) return options.spLookup(tenantId);
    const api = baseUrl.replace(/\/_dev-idp$/, '');
    return { entityId: `${api}/saml/${tenantId}/metadata`, acsUrl: `${api}/saml/${tenantId}/acs` };
  };

  const form = (token: string, sp: DevIdpSp, heading: string, signature?: RequestSignature): string => {
    const email = sp.emailDomain ? `dev.user@${sp.emailDomain}` : '';
    const signatureNote = signature?.signed ? `<p class="muted" data-request-signature>Signed AuthnRequest, verified with the SP certificate <code>${esc(signature.fingerprintSha256)}</code></p>` : '';
    return layout(
      heading,
      `<h1>${esc(heading)}</h1><p class="muted">Signing in to <code>${esc(sp.entityId)}</code></p>${signatureNote}
<form method="post" action="${esc(baseUrl)}/sso/continue"><input type="hidden" name="token" value="${esc(token)}">
<label for="email">Email</label><input id="email" name="email" type="email" required value="${esc(email)}">
<label for="firstName">First name</label><input id="firstName" name="firstName" value="Dev">
<label for="lastName">Last name</label><input id="lastName" name="lastName" value="User">
<button type="submit">Sign in</button></form>`,
    );
  };

  const remember = (entry: Omit<Pending, 'expiresAt'>): string => {
    const now = Date.now();
    for (const [key, value] of pending) if (value.expiresAt < now) pending.delete(key);
    const token = randomBytes(18).toString('base64url');
    pending.set(token, { ...entry, expiresAt: now + 10 * 60_000 });
    return token;
  };

  async function signedResponse(entry: Pending, user: { email: string; firstName: string; lastName: string }): Promise<string> {
    const sp = samlify.ServiceProvider({
      entityID: entry.sp.entityId,
      wantAssertionsSigned: true,
      wantMessageSigned: true,
      assertionConsumerService: [{ Binding: POST, Location: entry.sp.acsUrl }],
      singleLogoutService: [{ Binding: REDIRECT, Location: entry.sp.acsUrl }],
    });
    const xml = responseXml({ issuer: entityId, sp: entry.sp, inResponseTo: entry.inResponseTo, ...user });
    const result = await idp.createLoginResponse(sp, { extract: {} }, 'post', { email: user.email }, { customTagReplacement: () => ({ id: 'x', context: xml }) });
    return result.context;
  }

  async function serve(req: DevIdpRequest): Promise<DevIdpReply> {
    try {
      const url = { searchParams: req.query };
      const path = req.subPath.replace(/\/+$/, '') || '/';
      if (req.method === 'GET' && (path === '/metadata' || path === '/')) {
        return respond(200, metadata, 'application/samlmetadata+xml; charset=utf-8');
      }
      if (req.method === 'GET' && path === '/metadata/signed-requests') {
        return respond(200, signedRequestsMetadata, 'application/samlmetadata+xml; charset=utf-8');
      }
      if (req.method === 'GET' && path === '/sso') {
        const encoded = url.searchParams.get('SAMLRequest');
        if (!encoded) return respond(400, layout('Bad request', '<h1>No SAMLRequest</h1><p>Start at the service provider.</p>'));
        const request = parseAuthnRequest(inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8'));
        const derived = spFromEntityId(request.issuer);
        if (!derived || (request.acsUrl && request.acsUrl !== derived.acsUrl)) {
          return respond(400, layout('Unknown service provider', `<h1>Unknown service provider</h1><p>${esc(request.issuer)} is not a natoma-sso tenant, or asked for another ACS URL.</p>`));
        }
        const tenantId = /\/saml\/([a-z0-9]+)\/metadata$/.exec(request.issuer)![1]!;
        const known = await lookup(tenantId);
        const sp: DevIdpSp = { ...derived, emailDomain: known?.emailDomain };
        const signature = await requestSignature(request.issuer, req.rawQuery);
        const token = remember({ sp, inResponseTo: request.id, relayState: url.searchParams.get('RelayState') ?? undefined });
        return respond(200, form(token, sp, 'Sign in to the development IdP', signature));
      }
      if (req.method === 'GET' && path === '/tile') {
        const tenantId = url.searchParams.get('tenant') ?? '';
        const sp = /^[a-z0-9]{1,40}$/.test(tenantId) ? await lookup(tenantId) : undefined;
        if (!sp) return respond(404, layout('Unknown tenant', '<h1>Unknown tenant</h1>'));
        return respond(200, form(remember({ sp }), sp, 'Open the app from the IdP dashboard'));
      }
      if (req.method === 'POST' && path === '/sso/continue') {
        const fields = await req.form();
        const token = fields.get('token') ?? '';
        const entry = pending.get(token);
        pending.delete(token);
        if (!entry || entry.expiresAt < Date.now()) return respond(400, layout('Expired', '<h1>This sign-in expired</h1><p>Start again at the service provider.</p>'));
        const user = { email: (fields.get('email') ?? '').trim(), firstName: (fields.get('firstName') ?? '').trim(), lastName: (fields.get('lastName') ?? '').trim() };
        if (!user.email.includes('@')) return respond(400, layout('Email needed', '<h1>An email address is needed</h1>'));
        const samlResponse = await signedResponse(entry, user);
        const relay = entry.relayState ? `<input type="hidden" name="RelayState" value="${esc(entry.relayState)}">` : '';
        const nonce = randomBytes(12).toString('base64');
        const page = layout(
          'Continue',
          `<h1>Returning to the app…</h1><form method="post" action="${esc(entry.sp.acsUrl)}"><input type="hidden" name="SAMLResponse" value="${esc(samlResponse)}">${relay}<button type="submit">Continue</button></form><script nonce="${nonce}">document.forms[0].submit()</script>`,
        );
        return respond(200, page, 'text/html; charset=utf-8', `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action ${new URL(entry.sp.acsUrl).origin}; frame-ancestors 'none'`);
      }
      return respond(404, layout('Not found', '<h1>Not found</h1>'));
    } catch (error) {
      return respond(400, layout('Error', `<h1>The development IdP could not handle this request</h1><p>${esc((error as Error).message)}</p>`));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, subPath: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dev-idp.invalid');
    const reply = await serve({ method: req.method ?? 'GET', subPath, query: url.searchParams, rawQuery: url.search.slice(1), form: () => readForm(req) });
    res.writeHead(reply.status, headersOf(reply));
    res.end(reply.body);
  }

  async function handleEvent(event: HttpEvent): Promise<HttpResult> {
    const path = event.rawPath || event.requestContext.http.path;
    const subPath = path.replace(/^\/_dev-idp/, '') || '/';
    const body = bodyText(event) ?? '';
    if (Buffer.byteLength(body) > MAX_BODY) return { statusCode: 413, headers: { 'content-type': 'text/plain' }, body: 'form too large' };
    const reply = await serve({ method: event.requestContext.http.method.toUpperCase(), subPath, query: new URLSearchParams(event.rawQueryString ?? ''), rawQuery: event.rawQueryString ?? '', form: async () => new URLSearchParams(body) });
    return { statusCode: reply.status, headers: headersOf(reply), body: reply.body };
  }

  return { entityId, metadataUrl: `${baseUrl}/metadata`, metadata, certificatePem: credential.certificatePem, handle, handleEvent };
}

function parseAuthnRequest(xml: string): { id: string; issuer: string; acsUrl?: string } {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new Error('the AuthnRequest contains a DOCTYPE');
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const root = document.documentElement;
  if (!root || root.localName !== 'AuthnRequest') throw new Error('not an AuthnRequest');
  const issuer = root.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Issuer').item(0)?.textContent?.trim() ?? '';
  return { id: root.getAttribute('ID') ?? '', issuer, acsUrl: root.getAttribute('AssertionConsumerServiceURL') || undefined };
}

function responseXml(input: { issuer: string; sp: DevIdpSp; inResponseTo?: string; email: string; firstName: string; lastName: string }): string {
  const x = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
  const now = new Date();
  const later = new Date(now.getTime() + 5 * 60_000).toISOString();
  const irt = input.inResponseTo ? ` InResponseTo="${x(input.inResponseTo)}"` : '';
  const attribute = (name: string, value: string) =>
    `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"><saml:AttributeValue xsi:type="xs:string">${x(value)}</saml:AttributeValue></saml:Attribute>`;
  const name = [input.firstName, input.lastName].filter(Boolean).join(' ');
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${randomUUID()}" Version="2.0" IssueInstant="${now.toISOString()}" Destination="${x(input.sp.acsUrl)}"${irt}>` +
    `<saml:Issuer>${x(input.issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_${randomUUID()}" Version="2.0" IssueInstant="${now.toISOString()}">` +
    `<saml:Issuer>${x(input.issuer)}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${x(input.email)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${later}" Recipient="${x(input.sp.acsUrl)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${new Date(now.getTime() - 30_000).toISOString()}" NotOnOrAfter="${later}"><saml:AudienceRestriction><saml:Audience>${x(input.sp.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_${randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attribute('email', input.email)}${attribute('name', name)}${attribute('firstName', input.firstName)}${attribute('lastName', input.lastName)}</saml:AttributeStatement>` +
    `</saml:Assertion></samlp:Response>`
  );
}
