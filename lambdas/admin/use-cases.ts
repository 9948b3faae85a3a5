import { idpMetadataSource } from '../adapters/saml-metadata/index';
import { systemClock } from '../core/clock';
import type { ScimTokenDeps } from '../core/provisioning/scim-tokens';
import { SamlConfiguration } from '../core/sso/configuration';
import type { ConsoleRuntime } from './console/compose';
import { NotConfiguredError } from './error-table';

/** The SSO configuration and SCIM token use cases, built once per container for the operator API and the console alike. */
export interface AdminUseCases {
  /** Throws NotConfiguredError (503) when the API's public URL is unknown: Test SAML links and SP URLs need it. */
  readonly saml: () => SamlConfiguration;
  /** The API's public base URL, or NotConfiguredError as above. */
  readonly apiBaseUrl: () => string;
  readonly tokens: ScimTokenDeps;
}

export function adminUseCases(runtime: ConsoleRuntime): AdminUseCases {
  const clock = runtime.clock ?? systemClock;
  // The admin Lambda cannot derive the API's domain from its own requests: PUBLIC_BASE_URL must be set.
  const saml = runtime.publicBaseUrl
    ? new SamlConfiguration({
        tenants: runtime.tenants,
        ephemeral: runtime.ephemeral,
        activity: runtime.activity,
        clock,
        apiBaseUrl: runtime.publicBaseUrl.replace(/\/+$/, ''),
        metadata: idpMetadataSource({ mode: runtime.runtimeMode }),
      })
    : undefined;
  const notConfigured = () => new NotConfiguredError('PUBLIC_BASE_URL is not set on the admin Lambda: SSO and SCIM URLs cannot be built');
  return {
    saml: () => {
      if (saml) return saml;
      throw notConfigured();
    },
    apiBaseUrl: () => {
      if (runtime.publicBaseUrl) return runtime.publicBaseUrl.replace(/\/+$/, '');
      throw notConfigured();
    },
    tokens: { tenants: runtime.tenants, scimTokens: runtime.scimTokens, secrets: runtime.secrets, activity: runtime.activity, clock, secretPrefix: runtime.scimTokenSecretPrefix },
  };
}
