/**
 * A real, certified OpenID Provider (oidc-provider) on 127.0.0.1 for the example app's tests: one
 * confidential client, PKCE required, back-channel logout on, and an account whose claims look like
 * natoma-sso's (tenant_id, groups). Its dev interactions stand in for our sign-in page.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** The little of oidc-provider's API these tests use (the package ships no types). */
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => { callback(): RequestListener };
// A specifier in a variable keeps tsc from looking for type declarations that do not exist.
const OIDC_PROVIDER = 'oidc-provider';

export const TEST_ACCOUNT_CLAIMS = {
  tenant_id: 'tnt_acme_test',
  email: 'ada@acme.test',
  email_verified: true,
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  groups: ['engineering', 'admins <script>'],
};

export interface TestProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The provider's signing key, private part included, so a test can sign a logout token as the provider would. */
  readonly signingKey: JWK;
  close(): Promise<void>;
}

export async function listenOnFreePort(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startTestProvider(appUrl: string): Promise<TestProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const server = createServer();
  const port = await listenOnFreePort(server);
  const issuer = `http://127.0.0.1:${port}`;
  const client = { clientId: 'example-app', clientSecret: 'example-app-secret-0123456789abcdef' };
  const { default: Provider } = (await import(OIDC_PROVIDER)) as { default: ProviderClass };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [`${appUrl}/callback`],
        post_logout_redirect_uris: [`${appUrl}/`],
        backchannel_logout_uri: `${appUrl}/backchannel-logout`,
        backchannel_logout_session_required: true,
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    jwks: { keys: [signingKey] },
    pkce: { required: () => true },
    cookies: { keys: ['example-app-test-cookie-key'] },
    features: { devInteractions: { enabled: true }, backchannelLogout: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    // Like natoma-sso: the claims ride in the ID token too, not only at userinfo.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub', 'tenant_id', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    // oidc-provider refuses outbound requests to special-use addresses (SSRF guard); the app is on 127.0.0.1.
    fetch: (url: string, options: RequestInit & { dispatcher?: unknown }) => fetch(url, { ...options, dispatcher: undefined } as RequestInit),
    findAccount: (_ctx: unknown, accountId: string) => ({ accountId, claims: () => ({ sub: accountId, ...TEST_ACCOUNT_CLAIMS }) }),
  });
  server.on('request', provider.callback());

  return {
    issuer,
    ...client,
    signingKey,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
