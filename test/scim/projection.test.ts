import { describe, expect, it } from 'vitest';
import { parseProjection, project } from '../../lambdas/scim/projection';
import { normaliseResource, userFieldsFromScim, userToScim } from '../../lambdas/scim/resources';
import { asTenantId, asUserId } from '../../lambdas/core/ids';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const resource = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  id: 'u1',
  userName: 'a@x.com',
  name: { givenName: 'A', familyName: 'B' },
  emails: [{ value: 'a@x.com', type: 'work' }],
  [ENT]: { department: 'D', employeeNumber: '1' },
  meta: { resourceType: 'User' },
};

describe('attributes / excludedAttributes', () => {
  it('keeps id and schemas with the asked attributes, sub-attributes and extension attributes', () => {
    expect(project('User', resource, parseProjection('User', 'userName,emails.value,urn:ietf:params:scim:schemas:core:2.0:User:name.familyName,' + `${ENT}:department`, undefined))).toEqual({
      schemas: resource.schemas,
      id: 'u1',
      userName: 'a@x.com',
      emails: [{ value: 'a@x.com' }],
      name: { familyName: 'B' },
      [ENT]: { department: 'D' },
    });
  });
  it('removes excluded attributes, never id or schemas', () => {
    const out = project('User', resource, parseProjection('User', undefined, 'id,schemas,name.givenName,meta,' + ENT));
    expect(out).toEqual({ schemas: resource.schemas, id: 'u1', userName: 'a@x.com', name: { familyName: 'B' }, emails: resource.emails });
  });
});

describe('resource mapping', () => {
  it('canonicalises attribute names, coerces string booleans, drops server-owned ones and keeps unknown ones', () => {
    const body = { USERNAME: 'x@y.com', Active: 'False', Emails: [{ Value: 'x@y.com', Primary: 'True' }], id: 'client-id', meta: {}, groups: [{ value: 'g' }], password: 'p', [ENT.toUpperCase()]: { Department: 'D' }, custom: { a: 1 } };
    expect(normaliseResource('User', body)).toEqual({ userName: 'x@y.com', active: false, emails: [{ value: 'x@y.com', primary: true }], [ENT]: { department: 'D' }, custom: { a: 1 } });
  });
  it('round-trips a user through SCIM JSON', () => {
    const fields = userFieldsFromScim({ userName: 'r@t.com', name: { givenName: 'R', nickish: 'extra' }, emails: [{ value: 'r@t.com', type: 'work', primary: true }], title: 'T', [ENT]: { manager: { value: 'm' } } }, { active: true });
    const user = { tenantId: asTenantId('troundtrip123'), id: asUserId('u'), ...fields, source: 'scim' as const, isAdmin: false, createdAt: 'c', updatedAt: 'u', version: 3 };
    const json = userToScim(user, { base: 'https://x/scim/v2/t' });
    expect(json).toMatchObject({ userName: 'r@t.com', name: { givenName: 'R', nickish: 'extra' }, title: 'T', [ENT]: { manager: { value: 'm' } }, meta: { version: 'W/"3"', location: 'https://x/scim/v2/t/Users/u' } });
    expect(json.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENT]);
    expect(userFieldsFromScim(json, { active: true })).toEqual(fields);
  });
});
