import { describe, expect, it } from 'vitest';
import { parseFilter, parsePatchPath } from '../../lambdas/scim/filter';
import { matches } from '../../lambdas/scim/filter-eval';
import { splitUrn } from '../../lambdas/scim/schema';
import { ScimError } from '../../lambdas/scim/scim-error';

const alice = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'Abc-123',
  externalId: 'Ext-1',
  userName: 'Alice@Example.com',
  name: { givenName: 'Alice', familyName: 'Liddell' },
  displayName: 'Alice Liddell',
  emails: [
    { value: 'alice@example.com', type: 'work', primary: true },
    { value: 'alice@home.org', type: 'home' },
  ],
  active: true,
  title: 'Engineer',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '42', department: 'R&D', manager: { value: 'm-1' } },
  meta: { resourceType: 'User', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-06-01T12:00:00.000Z', version: 'W/"3"' },
  loginCount: 7,
};

const m = (filter: string) => matches(parseFilter(filter), alice, 'User');
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ScimError ? `${error.status} ${error.scimType}` : String(error);
  }
  return 'no error';
};

describe('filter grammar', () => {
  it('parses precedence: not > and > or', () => {
    const ast = parseFilter('a eq "1" or b eq "2" and not (c pr)');
    expect(ast).toEqual({
      op: 'or',
      left: { op: 'eq', path: { attr: 'a' }, value: '1' },
      right: { op: 'and', left: { op: 'eq', path: { attr: 'b' }, value: '2' }, right: { op: 'not', filter: { op: 'pr', path: { attr: 'c' } } } },
    });
  });

  it('accepts operators and keywords in any case', () => {
    expect(m('userName EQ "alice@example.com" AND active Eq TRUE')).toBe(true);
  });

  it('compares userName case-insensitively and id, externalId case-exactly (RFC 7643)', () => {
    expect(m('userName eq "ALICE@EXAMPLE.COM"')).toBe(true);
    expect(m('id eq "abc-123"')).toBe(false);
    expect(m('id eq "Abc-123"')).toBe(true);
    expect(m('externalId eq "ext-1"')).toBe(false);
    expect(m('externalId eq "Ext-1"')).toBe(true);
  });

  it.each([
    ['userName co "EXAMPLE"', true],
    ['userName sw "alice"', true],
    ['userName ew ".com"', true],
    ['userName ne "bob"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['nickName eq null', true],
    ['name.givenName eq "alice"', true],
    ['emails[type eq "work" and value co "example"]', true],
    ['emails[type eq "home" and primary eq true]', false],
    ['emails.value eq "alice@home.org"', true],
    ['emails eq "ALICE@home.org"', true],
    ['emails.type eq "other"', false],
    ['meta.lastModified gt "2024-05-01T00:00:00Z"', true],
    ['meta.lastModified lt "2024-05-01T00:00:00Z"', false],
    ['meta.created ge "2024-01-01T00:00:00Z"', true],
    ['loginCount gt 5', true],
    ['loginCount le 6', false],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42"', true],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m-1"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:name.familyName sw "Lid"', true],
    ['not (active eq false) and (title eq "x" or title eq "engineer")', true],
    ['displayName gt "Alice"', true],
    ['displayName lt "Alice"', false],
  ])('%s → %s', (filter, expected) => {
    expect(m(filter)).toBe(expected);
  });

  it.each([
    'userName eq',
    'userName foo "x"',
    'userName eq alice',
    '(userName eq "x"',
    'userName eq "x" and',
    'emails[type eq "work"',
    'userName eq "x" extra',
    'not userName eq "x"',
    '',
    'userName eq "unterminated',
    'a.b.c eq "x"',
  ])('rejects "%s" with 400 invalidFilter', (filter) => {
    expect(code(() => parseFilter(filter))).toBe('400 invalidFilter');
  });

  it('rejects ordering operators on booleans with invalidFilter', () => {
    expect(code(() => m('active gt true'))).toBe('400 invalidFilter');
  });

  it('parses PATCH paths with filters, sub-attributes and URNs', () => {
    const split = (p: string) => splitUrn('User', p);
    expect(parsePatchPath('members[value eq "2819c223"]', split)).toMatchObject({ attr: 'members', filter: { op: 'eq', path: { attr: 'value' }, value: '2819c223' } });
    expect(parsePatchPath('emails[type eq "work"].value', split)).toMatchObject({ attr: 'emails', sub: 'value' });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value', split)).toEqual({
      urn: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      attr: 'manager',
      sub: 'value',
    });
    expect(parsePatchPath('name.givenName', split)).toEqual({ attr: 'name', sub: 'givenName' });
    expect(code(() => parsePatchPath('emails[type eq "work"]x', split))).toBe('400 invalidPath');
  });
});
