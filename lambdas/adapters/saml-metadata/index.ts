import type { IdpMetadataSource } from '../../core/sso/ports';
import { parseIdpMetadata } from './idp-metadata';
import { fetchMetadata, type FetchMetadataOptions } from './metadata-fetch';

/** IdP metadata as core reads it: fetched under the SSRF rules of the runtime mode, parsed strictly (http IdP URLs only in the twin). */
export function idpMetadataSource(options: FetchMetadataOptions): IdpMetadataSource {
  return { fetch: (url) => fetchMetadata(url, options), parse: (xml) => parseIdpMetadata(xml, { httpSsoAllowed: options.mode === 'local' }) };
}

export { certificatePem } from './idp-metadata';
