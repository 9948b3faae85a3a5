import { describe, expect, it } from 'vitest';
import { applyPatch, parsePatchRequest, type PatchOperation } from '../../lambdas/scim/patch';
import { userFieldsFromScim } from '../../lambdas/scim/resources';
import { ScimError } from '../../lambdas/scim/scim-error';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const base = () => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'u1',
  userName: 'alice@example.com',
  name: { givenName: 'Alice', familyName: 'Liddell' },
  emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
  active: true,
});
const ops = (...operations: unknown[]) => parsePatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });
const patch = (...operations: unknown[]) => applyPatch('User', base(), ops(...operations));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ScimError ? `${error.status} ${error.scimType}` : String(error);
  }
  return 'no error';
};

describe('PATCH engine', () => {
  it('deactivates with Okta\'s pathless replace', () => {
    expect(patch({ op: 'replace', value: { active: false } }).active).toBe(false);
  });

  it('accepts Entra\'s capitalised ops and string booleans', () => {
    const doc = patch({ op: 'Replace', path: 'active', value: 'False' });
    expect(userFieldsFromScim(doc, { active: true }).active).toBe(false);
  });

  it('applies Entra\'s dotted keys in a pathless value', () => {
    const doc = patch({ op: 'replace', value: { 'name.givenName': 'Alicia', 'name.familyName': 'L', title: 'CTO' } });
    expect(doc.name).toEqual({ givenName: 'Alicia', familyName: 'L' });
    expect(doc.title).toBe('CTO');
  });

  it('creates the entry a filtered path names when it is absent', () => {
    const doc = patch(
      { op: 'replace', path: 'emails[type eq "home"].value', value: 'a@home.org' },
      { op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555' },
    );
    expect(doc.emails).toEqual([
      { value: 'alice@example.com', type: 'work', primary: true },
      { type: 'home', value: 'a@home.org' },
    ]);
    expect(doc.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555' }]);
  });

  it('replaces a sub-attribute of the matching value only', () => {
    const doc = patch({ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' });
    expect(doc.emails).toEqual([{ value: 'new@example.com', type: 'work', primary: true }]);
  });

  it('removes matching values of a multi-valued attribute', () => {
    const doc = patch({ op: 'add', path: 'emails', value: [{ value: 'b@x.org', type: 'home' }] }, { op: 'remove', path: 'emails[type eq "work"]' });
    expect(doc.emails).toEqual([{ value: 'b@x.org', type: 'home' }]);
  });

  it('sets URN-qualified enterprise attributes, by path and pathless', () => {
    const doc = patch(
      { op: 'add', path: `${ENT}:employeeNumber`, value: '701984' },
      { op: 'replace', value: { [`${ENT}:department`]: 'Tour Operations', [ENT]: { costCenter: '4130' } } },
      { op: 'replace', path: `${ENT}:manager`, value: { value: 'm-26118915-6e4d' } },
    );
    expect(doc[ENT]).toEqual({ employeeNumber: '701984', department: 'Tour Operations', costCenter: '4130', manager: { value: 'm-26118915-6e4d' } });
  });

  it('merges sub-attributes on replace of a complex attribute (RFC 7644 §3.5.2.3)', () => {
    expect(patch({ op: 'replace', path: 'name', value: { givenName: 'Al' } }).name).toEqual({ givenName: 'Al', familyName: 'Liddell' });
  });

  it('removes an attribute and a sub-attribute', () => {
    const doc = patch({ op: 'remove', path: 'name.familyName' }, { op: 'remove', path: 'emails' });
    expect(doc.name).toEqual({ givenName: 'Alice' });
    expect(doc.emails).toBeUndefined();
  });

  it('ignores read-only keys in a pathless value (Okta sends id) but refuses a path to one', () => {
    expect(patch({ op: 'replace', value: { id: 'other', displayName: 'A' } }).id).toBe('u1');
    expect(code(() => patch({ op: 'replace', path: 'id', value: 'x' }))).toBe('400 mutability');
    expect(code(() => patch({ op: 'add', path: 'groups', value: [{ value: 'g' }] }))).toBe('400 mutability');
  });

  it('keeps unknown attributes', () => {
    expect(patch({ op: 'add', path: 'favouriteColour', value: 'blue' }).favouriteColour).toBe('blue');
  });

  it('does not modify its input (the caller writes once, or not at all)', () => {
    const input = base();
    applyPatch('User', input, ops({ op: 'replace', path: 'name.givenName', value: 'X' }));
    expect(input.name.givenName).toBe('Alice');
  });

  it.each([
    [{ Operations: [] }, '400 invalidSyntax'],
    [{ Operations: [{ op: 'move', path: 'x' }] }, '400 invalidSyntax'],
    [{ Operations: [{ op: 'add', path: 'x' }] }, '400 invalidSyntax'],
    [{ schemas: ['wrong'], Operations: [{ op: 'remove', path: 'x' }] }, '400 invalidSyntax'],
  ])('rejects malformed bodies %#', (body, expected) => {
    expect(code(() => parsePatchRequest(body))).toBe(expected);
  });

  it('refuses a pathless remove with noTarget', () => {
    expect(code(() => patch({ op: 'remove' }))).toBe('400 noTarget');
  });

  it('hands Group members operations to the membership handler', () => {
    const seen: Array<[string, string | undefined, unknown]> = [];
    const operations: PatchOperation[] = ops(
      { op: 'add', path: 'members', value: [{ value: 'u1', display: 'A' }] },
      { op: 'remove', path: 'members[value eq "u2"]' },
      { op: 'replace', value: { id: 'g1', displayName: 'Renamed' } },
    );
    const doc = applyPatch('Group', { id: 'g1', displayName: 'Old' }, operations, (op, path, value) => seen.push([op, path.filter ? 'filter' : undefined, value]));
    expect(doc.displayName).toBe('Renamed');
    expect(seen).toEqual([
      ['add', undefined, [{ value: 'u1', display: 'A' }]],
      ['remove', 'filter', undefined],
    ]);
  });
});
