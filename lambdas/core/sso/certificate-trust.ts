import { X509Certificate } from 'node:crypto';
import type { IdpConfig, WithdrawnCertificate } from '../tenancy/tenant';

/**
 * Certificate trust follows the IdP's metadata. A signing certificate the refreshed metadata no longer
 * publishes stays trusted for this grace period (the IdP may still be switching over, or publish it again),
 * then it is removed; an expired one that is no longer published goes at once. Documented in docs/architecture.md.
 */
export const WITHDRAWN_CERTIFICATE_GRACE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface RemovedCertificate {
  readonly certificate: string;
  readonly why: 'expired' | 'grace-over';
}

/** What a refresh changes in the active configuration's certificates. */
export interface CertificatePlan {
  readonly config: IdpConfig;
  readonly added: string[];
  /** Newly unpublished: now in their grace period. */
  readonly withdrawn: WithdrawnCertificate[];
  readonly removed: RemovedCertificate[];
  /** Unpublished earlier, published again: trusted without an end. */
  readonly republished: string[];
}

/** The certificates a response may be signed with now: the configured ones, less any whose grace period is over. */
export function trustedCertificates(config: IdpConfig, now: Date): string[] {
  const over = new Set((config.withdrawnCertificates ?? []).filter((w) => Date.parse(w.trustedUntil) <= now.getTime()).map((w) => w.certificate));
  return config.signingCertificates.filter((certificate) => !over.has(certificate));
}

/** The next certificates of `active` given what the metadata publishes now; undefined when nothing changes. */
export function planCertificates(active: IdpConfig, published: readonly string[], now: Date): CertificatePlan | undefined {
  const before = active.withdrawnCertificates ?? [];
  const withdrawnEntry = (certificate: string) => before.find((w) => w.certificate === certificate);
  const added = published.filter((certificate) => !active.signingCertificates.includes(certificate));
  const republished = before.filter((w) => published.includes(w.certificate)).map((w) => w.certificate);
  const unpublished = active.signingCertificates.filter((certificate) => !published.includes(certificate));
  const removable = unpublished.flatMap((certificate): RemovedCertificate[] => {
    if (isExpired(certificate, now)) return [{ certificate, why: 'expired' }];
    const entry = withdrawnEntry(certificate);
    return entry && Date.parse(entry.trustedUntil) <= now.getTime() ? [{ certificate, why: 'grace-over' }] : [];
  });
  const kept = active.signingCertificates.filter((certificate) => !removable.some((r) => r.certificate === certificate));
  // Never the last certificate: the metadata always publishes one (the parser requires it), so this is a safeguard.
  const removed = kept.length + added.length > 0 ? removable : [];
  const gone = new Set(removed.map((r) => r.certificate));
  const withdrawn = unpublished
    .filter((certificate) => !gone.has(certificate) && !withdrawnEntry(certificate))
    .map((certificate) => ({ certificate, since: now.toISOString(), trustedUntil: new Date(now.getTime() + WITHDRAWN_CERTIFICATE_GRACE_DAYS * DAY_MS).toISOString() }));
  if (added.length + removed.length + withdrawn.length + republished.length === 0) return undefined;
  const stillWithdrawn = before.filter((w) => unpublished.includes(w.certificate) && !gone.has(w.certificate));
  const { withdrawnCertificates: _previous, ...rest } = active;
  const withdrawnCertificates = [...stillWithdrawn, ...withdrawn];
  const config: IdpConfig = { ...rest, signingCertificates: [...active.signingCertificates.filter((c) => !gone.has(c)), ...added], ...(withdrawnCertificates.length > 0 ? { withdrawnCertificates } : {}) };
  return { config, added, withdrawn, removed, republished };
}

function isExpired(certificate: string, now: Date): boolean {
  try {
    return Date.parse(new X509Certificate(Buffer.from(certificate, 'base64')).validTo) <= now.getTime();
  } catch {
    return false;
  }
}
