/**
 * What a tenant's IdP metadata tells us (IdpConfig without our bookkeeping). Reading it (XML) and
 * fetching it (network, SSRF rules) are protocol and I/O: adapters implement `IdpMetadataSource`.
 */
export interface IdpMetadata {
  readonly entityId: string;
  readonly ssoRedirectUrl?: string;
  readonly ssoPostUrl?: string;
  /** Base64 DER, deduplicated, in document order. */
  readonly signingCertificates: string[];
  readonly wantAuthnRequestsSigned: boolean;
  /** Latest notAfter of each signing certificate, ISO. */
  readonly certificateExpiries: string[];
}

export interface IdpMetadataSource {
  /** The metadata document at `url`, fetched safely; throws MetadataFetchError with a plain reason. */
  fetch(url: string): Promise<string>;
  /** Reads a metadata document; throws IdpMetadataError with a message an admin can act on. */
  parse(xml: string): IdpMetadata;
}

/** Metadata we cannot use, with a message an admin can act on. */
export class IdpMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdpMetadataError';
  }
}

/** The metadata URL could not be fetched safely; the message says why in plain words. */
export class MetadataFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetadataFetchError';
  }
}
