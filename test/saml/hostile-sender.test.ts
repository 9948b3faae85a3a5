import { constants, createCipheriv, privateDecrypt, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lambdas/core/clock';
import { asTenantId } from '../../lambdas/core/ids';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import type { HttpResult } from '../../lambdas/http/request';
import { RECORDED_FAILURES_PER_WINDOW } from '../../lambdas/saml/flows/shared';
import { authnRequestOf, createSamlWorld, httpEvent, sessionCookieOf, type SamlWorld } from './support/harness';
import { AES256_CBC, AES256_GCM, decode, encode, generateOtherCredential, RSA_1_5, TRIPLE_DES, type ResponseOptions } from './support/samlify-idp';

/**
 * Issue 11, the hostile sender: encrypted-assertion algorithms and the padding oracle, what reaches the
 * activity log, and identifiers sized to break storage. Over the handler with DynamoDB Local; samlify is the IdP.
 */
describe('the ACS against a hostile sender', () => {
  let world: SamlWorld;
  let tenant: Awaited<ReturnType<SamlWorld['tenant']>>;
  beforeAll(async () => {
    world = await createSamlWorld();
    tenant = await world.tenant({ allowIdpInitiated: true });
  });
  afterAll(async () => world.drop());

  const options = (over: Partial<ResponseOptions> = {}): ResponseOptions => {
    const email = `x${randomBytes(4).toString('hex')}@${tenant.domains[0]}`;
    return { acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email }, ...over };
  };
  const encrypted = (over: Partial<ResponseOptions> = {}) => world.idp.response(options({ encryptTo: world.keyring.current.certificatePem, ...over }));
  const refusedWithoutSession = (result: HttpResult, status = 400) => {
    expect(result.statusCode, result.body?.slice(0, 300)).toBe(status);
    expect(sessionCookieOf(result)).toBeUndefined();
  };
  /** The answer with its correlation ID blanked: what must be identical between two refusals. */
  const comparable = (result: HttpResult) => {
    const id = result.headers!['x-correlation-id']!;
    const { ['x-correlation-id']: _, ...headers } = result.headers!;
    return { status: result.statusCode, headers, body: result.body!.replaceAll(id, '<id>'), cookies: result.cookies ?? [] };
  };
  // One category of the activity log is a GSI (eventually consistent by design): an admin sees the events on the next load.
  const failuresOf = async (tenantId: string) => (await world.table.settle(), await world.store.activity.list(asTenantId(tenantId), { limit: 100, category: 'sign-in' })).items.filter((e) => e.type === 'login.failed');

  describe('encrypted assertions', () => {
    it('accepts a genuine AES-256-CBC and a genuine AES-256-GCM assertion (RSA-OAEP)', async () => {
      for (const dataEncryption of [AES256_CBC, AES256_GCM]) {
        const response = await encrypted({ dataEncryption });
        expect(decode(response)).toContain(`Algorithm="${dataEncryption}"`);
        const result = await world.postAcs(tenant.id, response);
        expect(result.statusCode, result.body?.slice(0, 300)).toBe(303);
        expect(sessionCookieOf(result)).toBeDefined();
      }
    });

    it('refuses 3DES and RSA PKCS#1 v1.5 key transport before decrypting, naming them in fixed words', async () => {
      for (const [over, name] of [[{ dataEncryption: TRIPLE_DES }, '3DES (Triple DES)'], [{ keyEncryption: RSA_1_5 }, 'RSA PKCS#1 v1.5']] as const) {
        const result = await world.postAcs(tenant.id, await encrypted(over));
        refusedWithoutSession(result);
        expect(result.body).toContain(`encrypted with ${name}, which is not accepted`);
      }
    });

    it('answers bad padding, bad XML, a non-assertion, a bad GCM tag and a foreign key byte-identically (no padding oracle)', async () => {
      const foreign = await world.idp.response(options({ encryptTo: generateOtherCredential().certificatePem }));
      const probes = await paddingOracleProbes(world, await encrypted({ dataEncryption: AES256_CBC }), await encrypted({ dataEncryption: AES256_GCM }), foreign);
      const answers = [];
      for (const [name, probe] of Object.entries(probes)) {
        const result = await world.postAcs(tenant.id, probe);
        refusedWithoutSession(result);
        expect(result.body, name).not.toMatch(/padding length|invalid padding|xmldom|parse error|Error:|at \w+ \(/i);
        answers.push(comparable(result));
      }
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    });

    it('decrypts nothing for an unknown tenant or one without SSO: good and bad ciphertexts get the same answer', async () => {
      const unconfigured = await createTenant({ tenants: world.store.tenants, activity: world.store.activity, clock: systemClock }, { name: 'No SSO', domains: [`nosso-${randomBytes(3).toString('hex')}.example.com`], plan: 'paid' });
      const good = await encrypted();
      const badPadding = (await paddingOracleProbes(world, good, good, good)).badPadding!;
      for (const [tenantId, status] of [[asTenantId('tzzzzzzzzzzz9'), 404], [unconfigured.id, 403]] as const) {
        const answers = [await world.postAcs(tenantId, good), await world.postAcs(tenantId, badPadding)].map(comparable);
        expect(answers[0]!.status).toBe(status);
        expect(answers[1]).toEqual(answers[0]);
      }
      expect(await failuresOf('tzzzzzzzzzzz9')).toEqual([]);
    });

    it('advertises AES-GCM first, then AES-CBC, with RSA-OAEP, in the SP metadata', async () => {
      const metadata = (await world.handle(httpEvent('GET', `/saml/${tenant.id}/metadata`))).body!;
      const methods = [...metadata.matchAll(/EncryptionMethod Algorithm="([^"]+)"/g)].map((m) => m[1]).slice(0, 5);
      expect(methods).toEqual([
        'http://www.w3.org/2009/xmlenc11#aes256-gcm',
        'http://www.w3.org/2009/xmlenc11#aes128-gcm',
        'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
        'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
        'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
      ]);
      expect(metadata).not.toContain('tripledes');
      expect(metadata).not.toContain('rsa-1_5');
    });

    it('Test SAML passes an AES-CBC IdP and advises switching to AES-GCM; a GCM IdP gets no advice', async () => {
      for (const [dataEncryption, advised] of [[AES256_CBC, true], [AES256_GCM, false]] as const) {
        const draft = await world.tenant({ activate: false });
        const { testUrl } = await world.configuration.startTest(draft.id);
        const url = new URL(testUrl);
        const start = await world.handle(httpEvent('GET', url.pathname, { query: Object.fromEntries(url.searchParams) }));
        const email = `ada@${draft.domains[0]}`;
        const response = await world.idp.response({ acsUrl: draft.urls.acsUrl, audience: draft.urls.spEntityId, inResponseTo: authnRequestOf(start.headers!.location!).id, nameId: email, attributes: { email }, encryptTo: world.keyring.current.certificatePem, dataEncryption });
        const result = await world.postAcs(draft.id, response);
        expect(result.body).toContain('Test SAML passed');
        expect(result.body!.includes('data-advice="cbc-encryption"'), dataEncryption).toBe(advised);
        const test = (await world.configuration.status(draft.id)).test;
        expect(test?.status === 'passed' && (test.advice ?? []).map((a) => a.code)).toEqual(advised ? ['cbc-encryption'] : []);
      }
    });
  });

  describe('the activity log', () => {
    it('writes nothing for ACS posts to tenants that do not exist', async () => {
      const ghost = asTenantId('tghost0000001');
      for (const body of ['junk', encode('<x/>'), await encrypted()]) expect((await world.postAcs(ghost, body)).statusCode).toBeGreaterThanOrEqual(400);
      expect(await failuresOf(ghost)).toEqual([]);
    });

    it('records refusals in fixed words: never an algorithm URI, parser text or anything else the sender chose', async () => {
      const victim = await world.tenant({ allowIdpInitiated: true });
      const INJECTED = 'SSO key compromised – call +1 555 0100';
      const signed = decode(await world.idp.response({ acsUrl: victim.urls.acsUrl, audience: victim.urls.spEntityId, nameId: `a@${victim.domains[0]}` }));
      const probes = [
        encode(signed.replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', INJECTED)),
        encode(signed.replace('http://www.w3.org/2001/04/xmlenc#sha256', INJECTED)),
        encode(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><${INJECTED.replace(/ /g, '')}></samlp:Response>`),
        encode(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ${INJECTED}>`),
      ];
      for (const probe of probes) {
        const result = await world.postAcs(victim.id, probe);
        refusedWithoutSession(result);
        expect(result.body).not.toContain('compromised');
        expect(result.body).not.toContain('555');
      }
      const failures = await failuresOf(victim.id);
      expect(failures).toHaveLength(probes.length);
      for (const event of failures) {
        expect(event.summary).toMatch(/^Sign-in refused: [a-z ,()-]+ \([a-z-]+\)$/);
        expect(event.summary).not.toMatch(/compromised|555|http/);
      }
      expect(failures.map((e) => e.summary)).toContain('Sign-in refused: the signature used an unsupported algorithm (weak-signature)');
      expect(world.logs.join('\n')).not.toContain('compromised');
    });

    it(`keeps at most ${RECORDED_FAILURES_PER_WINDOW} refusals per tenant per 10 minutes`, async () => {
      const flooded = await world.tenant();
      for (let i = 0; i < RECORDED_FAILURES_PER_WINDOW + 6; i++) expect((await world.postAcs(flooded.id, encode(`<junk n="${i}"/>`))).statusCode).toBe(400);
      expect(await failuresOf(flooded.id)).toHaveLength(RECORDED_FAILURES_PER_WINDOW);
    });
  });

  describe('identifiers sized to break storage', () => {
    it('refuses an oversized InResponseTo with a 400 page, signed or not, without looking it up', async () => {
      const huge = `_${'a'.repeat(4000)}`;
      const signed = await world.idp.response(options({ inResponseTo: huge }));
      const unsigned = encode(decode(signed).replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ''));
      const weak = encode(decode(signed).replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'));
      for (const probe of [signed, unsigned, weak]) {
        const result = await world.postAcs(tenant.id, probe);
        refusedWithoutSession(result);
        expect(result.body).not.toContain('aaaaaaaa');
      }
    });
  });
});

/**
 * Ciphertexts an attacker would send to probe for a padding oracle: built with the real content key (the
 * test can unwrap it with the SP key), so each probe fails at a different step of decryption.
 */
async function paddingOracleProbes(world: SamlWorld, cbcResponse: string, gcmResponse: string, foreignKey: string): Promise<Record<string, string>> {
  const withContent = (response: string, make: (key: Buffer) => Buffer): string => {
    const xml = decode(response);
    const values = [...xml.matchAll(/<(?:\w+:)?CipherValue>([^<]+)<\/(?:\w+:)?CipherValue>/g)].map((m) => m[1]!);
    // The first CipherValue wraps the content key (EncryptedKey inside KeyInfo), the last is the content.
    const key = privateDecrypt({ key: world.keyring.current.privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(values[0]!, 'base64'));
    return encode(xml.replace(values[values.length - 1]!, make(key).toString('base64')));
  };
  const cbc = (plain: Buffer) => (key: Buffer) => {
    const iv = randomBytes(16);
    const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv).setAutoPadding(false);
    return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
  };
  const padded = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const pad = 16 - (bytes.length % 16);
    return Buffer.concat([bytes, Buffer.alloc(pad, pad)]);
  };
  return {
    badPadding: withContent(cbcResponse, cbc(Buffer.concat([Buffer.from('<saml:Assertion/>'.padEnd(31, ' ')), Buffer.from([0])]))),
    badXml: withContent(cbcResponse, cbc(padded('<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'))),
    notAnAssertion: withContent(cbcResponse, cbc(padded('<x xmlns="urn:x">hello</x>'))),
    truncated: withContent(cbcResponse, () => randomBytes(20)),
    badGcmTag: withContent(gcmResponse, (key) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv(`aes-${key.length * 8}-gcm`, key, iv);
      const body = Buffer.concat([cipher.update(Buffer.from('<saml:Assertion/>')), cipher.final()]);
      return Buffer.concat([iv, body, randomBytes(16)]);
    }),
    foreignKey,
  };
}
