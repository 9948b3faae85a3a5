import { newSecret, sha256Hex } from '../digest';
import type { Clock } from '../clock';
import type { EphemeralStore } from '../sessions/ports';

/**
 * A Test SAML ticket: a single-use secret that opens one test login of one draft. Only its SHA-256
 * is stored; the link the admin opens carries the ticket itself.
 */
const TEST_TICKET_TTL_SEC = 10 * 60;
const ticketKey = (ticket: string): string => `saml-test-ticket:${sha256Hex(ticket)}`;

export interface TestTicket {
  readonly tenantId: string;
  readonly configId: string;
}

export async function issueTestTicket(ephemeral: EphemeralStore, clock: Clock, grant: TestTicket & { readonly actor: string }): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = newSecret();
  const expiresAt = new Date(clock.now().getTime() + TEST_TICKET_TTL_SEC * 1000);
  await ephemeral.put(ticketKey(ticket), JSON.stringify(grant), expiresAt);
  return { ticket, expiresAt };
}

/** Takes (reads and deletes) a ticket; undefined when unknown, used, expired or malformed. */
export async function redeemTestTicket(ephemeral: EphemeralStore, ticket: string): Promise<TestTicket | undefined> {
  if (!ticket) return undefined;
  const stored = await ephemeral.take(ticketKey(ticket));
  if (stored === undefined) return undefined;
  try {
    const parsed = JSON.parse(stored) as Record<string, unknown>;
    return typeof parsed.tenantId === 'string' && typeof parsed.configId === 'string' ? { tenantId: parsed.tenantId, configId: parsed.configId } : undefined;
  } catch {
    return undefined;
  }
}
