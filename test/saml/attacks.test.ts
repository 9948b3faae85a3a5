import { SignedXml } from 'xml-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResult } from '../../lambdas/http/request';
import { generateSpCredential } from '../../lambdas/saml/sp-credentials';
import { sha256Hex } from '../../lambdas/core/digest';
import { createSamlWorld, httpEvent, sessionCookieOf, type SamlWorld } from './support/harness';
import { decode, encode, RSA_SHA1, SamlifyIdp, type ResponseOptions } from './support/samlify-idp';

/** Every attack must end in a 4xx page with no session cookie (and, where a user would be created, no user). */
function expectRefused(result: HttpResult, pattern?: RegExp): void {
  expect(result.statusCode, result.body?.slice(0, 400)).toBeGreaterThanOrEqual(400);
  expect(result.statusCode).toBeLessThan(500);
  expect(sessionCookieOf(result)).toBeUndefined();
  expect(result.headers?.['content-type']).toMatch(/text\/html/);
  // The page quotes the request's correlation ID, the one the answer's header and the logs carry.
  expect(result.body).toContain(`quote this reference: <code>${result.headers?.['x-correlation-id']}</code>`);
  expect(result.body).not.toMatch(/at \w+ \(|node_modules/);
  if (pattern) expect(result.body).toMatch(pattern);
}

describe('SAML validation rejects each attack with a 4xx page and no session', () => {
  let world: SamlWorld;
  let tenant: Awaited<ReturnType<SamlWorld['tenant']>>;
  let email: string;
  beforeAll(async () => {
    world = await createSamlWorld();
    tenant = await world.tenant({ domain: 'victim.com' });
    email = 'alice@victim.com';
  });
  afterAll(async () => world.drop());

  const base = (over: Partial<ResponseOptions> = {}): ResponseOptions => ({
    acsUrl: tenant.urls.acsUrl,
    audience: tenant.urls.spEntityId,
    nameId: email,
    attributes: { email, name: 'Alice Victim' },
    ...over,
  });
  /** A genuine, IdP-signed response to a fresh SP-initiated request. */
  const genuine = async (over: Partial<ResponseOptions> = {}) => world.idp.response(base({ inResponseTo: await world.startLogin(email), ...over }));
  const tampered = async (over: Partial<ResponseOptions>, change: (xml: string) => string) => encode(change(decode(await genuine(over))));
  const noUser = async (address: string) => expect(await world.store.users.findByUserName(tenant.id, address)).toBeUndefined();

  it('accepts the untouched control response (so the refusals below are about the attack)', async () => {
    const result = await world.postAcs(tenant.id, await genuine({ nameId: 'control@victim.com', attributes: { email: 'control@victim.com' } }));
    expect(result.statusCode).toBe(303);
  });

  it('refuses an altered NameID', async () => {
    const response = await tampered({ nameId: 'mallory@victim.com', attributes: { email: 'mallory@victim.com' } }, (xml) => xml.replaceAll('mallory@victim.com', 'bob@victim.com'));
    expectRefused(await world.postAcs(tenant.id, response), /signature could not be verified/);
    await noUser('bob@victim.com');
  });

  it('refuses XSW: an unsigned evil assertion added beside the signed one', async () => {
    const response = await tampered({ nameId: 'mallory@victim.com', attributes: { email: 'mallory@victim.com' } }, (xml) => {
      const evil = `<saml:Assertion ID="_evil" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>${world.idp.entityId}</saml:Issuer><saml:Subject><saml:NameID>bob@victim.com</saml:NameID></saml:Subject></saml:Assertion>`;
      return xml.replace('<saml:Assertion ', `${evil}<saml:Assertion `);
    });
    expectRefused(await world.postAcs(tenant.id, response), /exactly one assertion/);
    await noUser('bob@victim.com');
  });

  it('refuses XSW: the signed assertion moved inside the Signature Object of an evil assertion with the same ID', async () => {
    const response = await tampered({ nameId: 'mallory@victim.com', attributes: { email: 'mallory@victim.com' } }, (xml) => {
      const signed = /<saml:Assertion [\s\S]*<\/saml:Assertion>/.exec(xml)![0];
      const evil = signed.replaceAll('mallory@victim.com', 'bob@victim.com').replace('</ds:Signature>', `<ds:Object>${signed}</ds:Object></ds:Signature>`);
      return xml.replace(signed, evil);
    });
    expectRefused(await world.postAcs(tenant.id, response));
    await noUser('bob@victim.com');
  });

  it('refuses XSW: the signed assertion hidden in Extensions and an evil one in its place', async () => {
    const response = await tampered({ nameId: 'mallory@victim.com', attributes: { email: 'mallory@victim.com' } }, (xml) => {
      const signed = /<saml:Assertion [\s\S]*<\/saml:Assertion>/.exec(xml)![0];
      const evil = signed.replaceAll('mallory@victim.com', 'bob@victim.com').replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
      return xml.replace(signed, evil).replace('<samlp:Status>', `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
    });
    expectRefused(await world.postAcs(tenant.id, response));
    await noUser('bob@victim.com');
  });

  it('refuses XSW: a signed Response wrapped inside an evil Response', async () => {
    const response = await tampered({ signAssertion: false, signResponse: true, nameId: 'mallory@victim.com', attributes: { email: 'mallory@victim.com' } }, (xml) => {
      const evil = xml.replaceAll('mallory@victim.com', 'bob@victim.com').replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
      return evil.replace('<samlp:Status>', `<samlp:Extensions>${xml}</samlp:Extensions><samlp:Status>`);
    });
    expectRefused(await world.postAcs(tenant.id, response));
    await noUser('bob@victim.com');
  });

  it('refuses XSW: the assertion signature moved up to the Response while the assertion is replaced', async () => {
    const response = await tampered({ nameId: 'mallory@victim.com', attributes: { email: 'mallory@victim.com' } }, (xml) => {
      const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)![0];
      return xml.replace(signature, '').replaceAll('mallory@victim.com', 'bob@victim.com').replace('</saml:Issuer><samlp:Status>', `</saml:Issuer>${signature}<samlp:Status>`);
    });
    expectRefused(await world.postAcs(tenant.id, response));
    await noUser('bob@victim.com');
  });

  it('refuses a response with no signature at all', async () => {
    const xml = world.idp.responseXml(base({ inResponseTo: await world.startLogin(email), nameId: 'nosig@victim.com', attributes: { email: 'nosig@victim.com' } }));
    expectRefused(await world.postAcs(tenant.id, encode(xml)), /signature/);
    await noUser('nosig@victim.com');
  });

  it('refuses a signature made with a foreign key whose certificate travels in KeyInfo', async () => {
    const attacker = new SamlifyIdp({ entityId: world.idp.entityId, credential: generateSpCredential('attacker', 30) });
    const response = await attacker.response(base({ inResponseTo: await world.startLogin(email), nameId: 'bob@victim.com', attributes: { email: 'bob@victim.com' } }));
    expect(decode(response)).toContain('<ds:X509Certificate>');
    expectRefused(await world.postAcs(tenant.id, response), /signature could not be verified/);
    await noUser('bob@victim.com');
  });

  it('refuses an RSA-SHA1 signature', async () => {
    const response = await genuine({ signatureAlgorithm: RSA_SHA1, nameId: 'sha1@victim.com', attributes: { email: 'sha1@victim.com' } });
    expect(decode(response)).toContain('xmldsig#rsa-sha1');
    expectRefused(await world.postAcs(tenant.id, response), /SHA-256 or stronger/);
    await noUser('sha1@victim.com');
  });

  it('refuses an HMAC signature keyed with the IdP public certificate', async () => {
    const xml = world.idp.responseXml(base({ inResponseTo: await world.startLogin(email), nameId: 'hmac@victim.com', attributes: { email: 'hmac@victim.com' } }));
    const signer = new SignedXml({ privateKey: Buffer.from(world.idp.credential.certificatePem), signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    signer.enableHMAC();
    signer.addReference({ xpath: "//*[local-name(.)='Assertion']", digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256', transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'] });
    signer.computeSignature(xml, { prefix: 'ds', location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
    expectRefused(await world.postAcs(tenant.id, encode(signer.getSignedXml())), /HMAC/);
    await noUser('hmac@victim.com');
  });

  it.each([
    ['audience', { audience: 'https://other-sp.example/metadata' }, /another service/],
    ['destination', { destination: 'https://other-sp.example/acs' }, /Destination/],
    ['recipient', { recipient: 'https://other-sp.example/acs' }, /Recipient/],
    ['issuer', { issuer: 'http://www.okta.com/exk-someone-else' }, /another identity provider|other than the one configured/],
  ])('refuses a wrong %s', async (_field, over, pattern) => {
    const address = `wrong-${_field}@victim.com`;
    expectRefused(await world.postAcs(tenant.id, await genuine({ ...over, nameId: address, attributes: { email: address } })), pattern);
    await noUser(address);
  });

  it('refuses a response meant for another tenant (audience, destination and recipient of tenant B)', async () => {
    const other = await world.tenant();
    const response = await world.idp.response({ acsUrl: other.urls.acsUrl, audience: other.urls.spEntityId, nameId: 'cross@victim.com', attributes: { email: 'cross@victim.com' } });
    expectRefused(await world.postAcs(tenant.id, response));
  });

  it('refuses a replayed SP-initiated response', async () => {
    const response = await genuine({ nameId: 'replay@victim.com', attributes: { email: 'replay@victim.com' } });
    expect((await world.postAcs(tenant.id, response)).statusCode).toBe(303);
    expectRefused(await world.postAcs(tenant.id, response), /already used|did not make/);
  });

  it('refuses a replayed IdP-initiated response (assertion ID cache)', async () => {
    const response = await world.idp.response(base({ nameId: 'tile-replay@victim.com', attributes: { email: 'tile-replay@victim.com' } }));
    expect((await world.postAcs(tenant.id, response)).statusCode).toBe(303);
    expectRefused(await world.postAcs(tenant.id, response), /already used/);
  });

  it('refuses an expired assertion (beyond the 2-minute skew)', async () => {
    const past = new Date(Date.now() - 10 * 60_000);
    expectRefused(await world.postAcs(tenant.id, await genuine({ issueInstant: past, notBefore: past, notOnOrAfter: new Date(Date.now() - 3 * 60_000), nameId: 'late@victim.com', attributes: { email: 'late@victim.com' } })), /expired/);
    await noUser('late@victim.com');
  });

  it('accepts an assertion that expired within the allowed clock skew', async () => {
    const past = new Date(Date.now() - 5 * 60_000);
    const result = await world.postAcs(tenant.id, await genuine({ issueInstant: past, notBefore: past, notOnOrAfter: new Date(Date.now() - 60_000), nameId: 'skew@victim.com', attributes: { email: 'skew@victim.com' } }));
    expect(result.statusCode).toBe(303);
  });

  it('refuses an assertion that is not yet valid', async () => {
    const future = new Date(Date.now() + 10 * 60_000);
    expectRefused(await world.postAcs(tenant.id, await genuine({ issueInstant: future, notBefore: future, notOnOrAfter: new Date(Date.now() + 20 * 60_000), nameId: 'early@victim.com', attributes: { email: 'early@victim.com' } })), /not valid yet/);
  });

  it('refuses an unknown InResponseTo', async () => {
    const response = await world.idp.response(base({ inResponseTo: '_never-issued', nameId: 'unknown-irt@victim.com', attributes: { email: 'unknown-irt@victim.com' } }));
    expectRefused(await world.postAcs(tenant.id, response), /did not make|already used/);
  });

  it("refuses a response to another tenant's request", async () => {
    const other = await world.tenant();
    const requestId = await world.startLogin(`x@${other.domains[0]}`);
    const response = await world.idp.response(base({ inResponseTo: requestId, nameId: 'other-irt@victim.com', attributes: { email: 'other-irt@victim.com' } }));
    expectRefused(await world.postAcs(tenant.id, response));
  });

  it('refuses a DOCTYPE (entity expansion) before parsing', async () => {
    const response = await tampered({}, (xml) => `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>${xml}`);
    expectRefused(await world.postAcs(tenant.id, response), /DOCTYPE/);
  });

  it('refuses two root elements', async () => {
    const response = await tampered({}, (xml) => `${xml}<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`);
    expectRefused(await world.postAcs(tenant.id, response), /not well-formed|root/);
  });

  it('keeps a comment in the NameID from truncating the identity', async () => {
    // Prepare: the victim exists; the attacker owns alice@victim.com.evil.com at the IdP and splits it with a comment.
    const victim = await world.store.users.findByUserName(tenant.id, 'control@victim.com');
    const response = await tampered({ nameId: 'alice@victim.com.evil.com', attributes: { email: 'alice@victim.com.evil.com' } }, (xml) =>
      xml.replaceAll('>alice@victim.com.evil.com<', '>alice@victim.com<!---->.evil.com<'),
    );
    expect(decode(response)).toContain('alice@victim.com<!---->.evil.com');
    // Act
    const result = await world.postAcs(tenant.id, response);
    // Assess: either refused, or signed in as the full, untruncated identity, never as the victim
    if (result.statusCode === 303) {
      const session = await world.store.sessions.get(sha256Hex(sessionCookieOf(result)!));
      const user = await world.store.users.get(tenant.id, session!.userId);
      expect(user?.userName).toBe('alice@victim.com.evil.com');
      expect(session!.userId).not.toBe(victim?.id);
    } else expectRefused(result);
    await noUser('alice@victim.com');
  });

  it('refuses a SAMLResponse over 64 KB before any XML parsing', async () => {
    const garbage = Buffer.alloc(70 * 1024, '<').toString('base64');
    const result = await world.postAcs(tenant.id, garbage);
    expectRefused(result, /larger than 64 KB/);
    const huge = await genuine({ attributes: { email, blob: 'x'.repeat(70 * 1024) } });
    expectRefused(await world.postAcs(tenant.id, huge), /larger than 64 KB/);
  });

  it('refuses an IdP error status', async () => {
    const response = await tampered({}, (xml) => xml.replace('urn:oasis:names:tc:SAML:2.0:status:Success', 'urn:oasis:names:tc:SAML:2.0:status:Responder'));
    expectRefused(await world.postAcs(tenant.id, response));
  });

  it('records refusals as login.failed activity and never logs the response or the NameID', async () => {
    // One category of the log is a GSI (eventually consistent by design): an admin sees the events on the next load.
    await world.table.settle();
    const page = await world.store.activity.list(tenant.id, { limit: 100, category: 'sign-in' });
    const failed = page.items.filter((event) => event.type === 'login.failed');
    expect(failed.length).toBeGreaterThan(10);
    expect(failed.map((event) => event.summary).join('\n')).toMatch(/\(signature\)/);
    const logs = world.logs.join('\n');
    expect(logs).not.toContain('bob@victim.com');
    expect(logs).not.toContain('PHNhbWxwOl'); // base64 of "<samlp:"
  });

  it('answers 413 to an oversized form body without reading it', async () => {
    const result = await world.handle(httpEvent('POST', `/saml/${tenant.id}/acs`, { body: `SAMLResponse=${'A'.repeat(200 * 1024)}` }));
    expect(result.statusCode).toBe(413);
  });
});
