import { randomUUID } from 'node:crypto';
import { ConflictError, PreconditionFailedError } from '../../core/errors';
import { asUserId } from '../../core/ids';
import { normaliseEmail, type User } from '../../core/identity/user';
import type { Tenant } from '../../core/tenancy/tenant';
import type { ValidatedAssertion } from '../response-validator';
import { SamlLoginError } from '../saml-errors';
import { activityEvent, type SignInDeps } from './shared';

type UserDeps = Pick<SignInDeps, 'users' | 'activity' | 'clock'>;

/** The account an assertion names: by userName, else by a unique email; none when the organisation has no such user. */
export async function findUser(deps: UserDeps, tenant: Tenant, assertion: ValidatedAssertion): Promise<User | undefined> {
  const email = emailOf(assertion);
  if (!email) throw new SamlLoginError('no-email', 'The identity provider did not send an email address for your account.');
  const byUserName = await deps.users.findByUserName(tenant.id, email);
  if (byUserName) return byUserName;
  const byEmail = await deps.users.findByEmail(tenant.id, email);
  if (byEmail.length > 1) throw new SamlLoginError('ambiguous-user', 'More than one account of this organisation uses this email address; ask your administrator.', [], 409);
  return byEmail[0];
}

/** JIT: create on first login, refresh the name later unless SCIM owns the profile; inactive users are refused. */
export async function provisionUser(deps: UserDeps, tenant: Tenant, assertion: ValidatedAssertion, existing: User | undefined): Promise<User> {
  const email = emailOf(assertion)!;
  const names = namesOf(assertion);
  const now = deps.clock.now().toISOString();
  if (existing) {
    if (!existing.active) throw new SamlLoginError('user-inactive', 'Your account is deactivated in this organisation. Ask your administrator.', [], 403);
    const scimOwned = tenant.scim.enabled || existing.source === 'scim';
    if (scimOwned || !names.display || (existing.displayName === names.display && existing.name?.givenName === names.given && existing.name?.familyName === names.family)) return existing;
    const refreshed: User = { ...existing, displayName: names.display, name: nameOf(names), updatedAt: now, version: existing.version + 1 };
    try {
      await deps.users.replace(refreshed, existing.version);
      return refreshed;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return existing; // a concurrent update won; the name can wait for the next login
      throw error;
    }
  }
  if (!tenant.sso.jitProvisioning) throw new SamlLoginError('not-provisioned', 'You do not have an account in this organisation yet. Ask your administrator to give you access.', [], 403);
  const user: User = {
    tenantId: tenant.id,
    id: asUserId(randomUUID()),
    userName: email,
    active: true,
    ...(names.display ? { displayName: names.display, name: nameOf(names) } : {}),
    emails: [{ value: email, type: 'work', primary: true }],
    profile: {},
    source: 'jit',
    isAdmin: false,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  try {
    await deps.users.create(user);
  } catch (error) {
    if (error instanceof ConflictError) {
      const raced = await findUser(deps, tenant, assertion);
      if (raced?.active) return raced;
    }
    throw error;
  }
  await deps.activity.record(activityEvent(deps.clock, tenant.id, 'user.created', 'idp', `user:${user.id}`, `${email} created by just-in-time provisioning at first sign-in`));
  return user;
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const first = (attributes: Record<string, string[]>, names: string[]): string | undefined => {
  for (const name of names) {
    const value = attributes[name]?.map((v) => v.trim()).find((v) => v !== '');
    if (value) return value;
  }
  return undefined;
};

/** The user's email: the `email` attribute (Okta: user.email), common synonyms, else an email-shaped NameID. */
export function emailOf(assertion: Pick<ValidatedAssertion, 'attributes' | 'nameId'>): string | undefined {
  const candidate =
    first(assertion.attributes, ['email', 'mail', 'emailAddress', 'Email', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'urn:oid:0.9.2342.19200300.100.1.3']) ??
    assertion.nameId;
  return EMAIL.test(candidate) ? normaliseEmail(candidate) : undefined;
}

/** The display name: `name` (Okta: firstName + " " + lastName), else first/last-name style attributes. */
function namesOf(assertion: Pick<ValidatedAssertion, 'attributes'>): { display?: string; given?: string; family?: string } {
  const given = first(assertion.attributes, ['firstName', 'givenName', 'given_name', 'FirstName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname', 'urn:oid:2.5.4.42']);
  const family = first(assertion.attributes, ['lastName', 'surname', 'sn', 'familyName', 'family_name', 'LastName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname', 'urn:oid:2.5.4.4']);
  const display = first(assertion.attributes, ['name', 'displayName', 'http://schemas.microsoft.com/identity/claims/displayname']) ?? ([given, family].filter(Boolean).join(' ') || undefined);
  return { display, given, family };
}

function nameOf(names: { display?: string; given?: string; family?: string }): User['name'] {
  const parts = names.display?.split(/\s+/) ?? [];
  return {
    formatted: names.display,
    givenName: names.given ?? (parts.length > 1 ? parts.slice(0, -1).join(' ') : parts[0]),
    familyName: names.family ?? (parts.length > 1 ? parts[parts.length - 1] : undefined),
  };
}
