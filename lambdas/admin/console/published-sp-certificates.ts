import type { Clock } from '../../core/clock';
import type { TenantId } from '../../core/ids';

const CACHE_MS = 5 * 60_000;
const FETCH_TIMEOUT_MS = 3_000;
const X509_ELEMENT = /<(?:[A-Za-z_][\w.-]*:)?X509Certificate>([^<]+)<\/(?:[A-Za-z_][\w.-]*:)?X509Certificate>/g;

/**
 * The SP certificates as our own SP metadata publishes them. The console shows certificates, and
 * reading them here means the admin Lambda never needs the secret that also holds the private key.
 * Every tenant's metadata carries the same certificates, so one cached copy serves them all.
 */
export class PublishedSpCertificates {
  private cached: { readonly at: number; readonly certificates: string[] } | undefined;

  constructor(
    private readonly apiBaseUrl: string,
    private readonly clock: Clock,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Base64 DER certificates (current, then next during a rollover); empty when the metadata is unreachable. */
  async forTenant(tenantId: TenantId): Promise<string[]> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.certificates;
    try {
      const response = await this.fetchImpl(`${this.apiBaseUrl}/saml/${encodeURIComponent(tenantId)}/metadata`, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) return [];
      const certificates = certificatesIn(await response.text());
      this.cached = { at: now, certificates };
      return certificates;
    } catch {
      // The page still works without the certificate; the next request tries again.
      return [];
    }
  }
}

/** Distinct certificates in metadata order (a certificate appears once for signing, once for encryption). */
export function certificatesIn(metadataXml: string): string[] {
  const found = [...metadataXml.matchAll(X509_ELEMENT)].map((match) => match[1]!.replace(/\s+/g, ''));
  return [...new Set(found)];
}
