import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../../../lambdas/core/errors';
import type { User } from '../../../lambdas/core/identity/user';
import { asUserId } from '../../../lambdas/core/ids';
import { countingClient, type CountingClient } from '../../support/counting-client';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { aGroup, aUser, freshTenantId, race } from './fixtures';

let table: TestTable;
let counting: CountingClient;
let store: DynamoAdapters;

beforeAll(async () => {
  table = await createTestTable();
  counting = countingClient(table.db);
  store = createDynamoAdapters({ db: counting.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

/** The `seed`-th spelling of `base` in upper/lower case (the bits of seed pick the letters to capitalise). */
const caseVariant = (base: string, seed: number) => [...base].map((char, i) => ((seed >> i) & 1 ? char.toUpperCase() : char)).join('');

const next = (user: User, changes: Partial<User>): User => ({ ...user, ...changes, version: user.version + 1 });

describe('userName uniqueness', () => {
  it('lets exactly one of 20 concurrent creates of case variants of one userName win, and counts 1', async () => {
    // Prepare
    const tenantId = freshTenantId();
    const variants = Array.from({ length: 20 }, (_, i) => aUser(tenantId, { userName: caseVariant('alice@x.com', i) }));
    expect(new Set(variants.map((user) => user.userName)).size).toBe(20);

    // Act
    const { won, errors } = await race(variants.map((user) => store.users.create(user)));

    // Assess
    expect(won).toHaveLength(1);
    expect(errors).toHaveLength(19);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toMatch(/^userName ".+" is already taken$/);
    }
    expect(await store.users.count(tenantId)).toBe(1);
    expect((await store.users.list(tenantId, { limit: 50 })).items).toHaveLength(1);
  });

  it('refuses a userName that differs only in case from an existing one', async () => {
    const tenantId = freshTenantId();
    await store.users.create(aUser(tenantId, { userName: 'Bob@Example.com' }));

    await expect(store.users.create(aUser(tenantId, { userName: 'bob@example.COM' }))).rejects.toThrow(
      new ConflictError('userName "bob@example.COM" is already taken'),
    );
  });

  it('allows the same userName in two different tenants', async () => {
    const userName = 'carol@example.com';
    await store.users.create(aUser(freshTenantId(), { userName }));
    await expect(store.users.create(aUser(freshTenantId(), { userName }))).resolves.toBeUndefined();
  });

  it('treats a # in a userName as data, not as a key separator', async () => {
    const tenantId = freshTenantId();
    await store.users.create(aUser(tenantId, { userName: 'a#b' }));
    await store.users.create(aUser(tenantId, { userName: 'a' }));

    expect((await store.users.findByUserName(tenantId, 'A#B'))?.userName).toBe('a#b');
    expect((await store.users.findByUserName(tenantId, 'a'))?.userName).toBe('a');
  });
});

describe('lookups', () => {
  it('finds a user by id, userName in any case, externalId and any email in any case', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, {
      userName: 'Dana@Example.com',
      externalId: '00u1abcd',
      emails: [
        { value: 'Dana@Example.com', primary: true, type: 'work' },
        { value: 'dana.private@mail.test', type: 'home' },
      ],
      name: { givenName: 'Dana', familyName: 'Scully' },
      profile: { title: 'Agent', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'X-Files' } },
    });
    await store.users.create(user);

    expect(await store.users.get(tenantId, user.id)).toEqual(user);
    expect(await store.users.findByUserName(tenantId, 'dana@example.COM')).toEqual(user);
    expect(await store.users.findByExternalId(tenantId, '00u1abcd')).toEqual([user]);
    expect(await store.users.findByExternalId(tenantId, '00U1ABCD')).toEqual([]); // externalId is caseExact
    expect(await store.users.findByEmail(tenantId, 'DANA.PRIVATE@mail.test')).toEqual([user]);
    expect(await store.users.getMany(tenantId, [user.id, asUserId('missing')])).toEqual([user]);
  });

  it('does not confuse an externalId with another that it is a prefix of', async () => {
    const tenantId = freshTenantId();
    const short = aUser(tenantId, { externalId: 'ext1' });
    const long = aUser(tenantId, { externalId: 'ext10' });
    await store.users.create(short);
    await store.users.create(long);

    expect((await store.users.findByExternalId(tenantId, 'ext1')).map((u) => u.id)).toEqual([short.id]);
  });

  it('never returns a user of another tenant', async () => {
    const tenantA = freshTenantId();
    const tenantB = freshTenantId();
    const user = aUser(tenantA, { userName: 'eve@example.com', externalId: 'e1', emails: [{ value: 'eve@example.com' }] });
    await store.users.create(user);

    expect(await store.users.get(tenantB, user.id)).toBeUndefined();
    expect(await store.users.findByUserName(tenantB, 'eve@example.com')).toBeUndefined();
    expect(await store.users.findByExternalId(tenantB, 'e1')).toEqual([]);
    expect(await store.users.findByEmail(tenantB, 'eve@example.com')).toEqual([]);
  });

  it('finds a user by userName with two reads and no scan', async () => {
    const tenantId = freshTenantId();
    await store.users.create(aUser(tenantId, { userName: 'frank@example.com' }));

    const { counts } = await counting.measure(() => store.users.findByUserName(tenantId, 'FRANK@example.com'));

    expect(counts.calls).toEqual({ GetCommand: 2 });
    expect(counts.scanned).toBe(false);
  });

  it('refuses a user too large to store with a plain message, storing nothing', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, { profile: { notes: 'x'.repeat(410 * 1024) } });

    await expect(store.users.create(user)).rejects.toThrow(new InvalidInputError('the resource is too large to store: one stored item holds at most 400 KB (profile attributes included)'));
    expect(await store.users.count(tenantId)).toBe(0);
    expect(await store.users.findByUserName(tenantId, user.userName)).toBeUndefined();
  });

  it('refuses more than 10 emails for one user', async () => {
    const tenantId = freshTenantId();
    const emails = Array.from({ length: 11 }, (_, i) => ({ value: `a${i}@example.com` }));

    await expect(store.users.create(aUser(tenantId, { emails }))).rejects.toBeInstanceOf(InvalidInputError);
    expect(await store.users.count(tenantId)).toBe(0);
  });
});

describe('replace', () => {
  it('rejects a replace based on a stale version', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    await store.users.create(user);
    await store.users.replace(next(user, { displayName: 'first' }), 1);

    await expect(store.users.replace(next(user, { displayName: 'second' }), 1)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.users.get(tenantId, user.id))?.displayName).toBe('first');
  });

  it('lets exactly one of two concurrent replaces from the same version win', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    await store.users.create(user);

    const { won, errors } = await race(['a', 'b', 'c', 'd'].map((name) => store.users.replace(next(user, { displayName: name }), 1)));

    expect(won).toHaveLength(1);
    expect(errors.every((error) => error instanceof PreconditionFailedError)).toBe(true);
    expect((await store.users.get(tenantId, user.id))?.version).toBe(2);
  });

  it('says NotFound when replacing a user that does not exist', async () => {
    const user = aUser(freshTenantId());
    await expect(store.users.replace(next(user, {}), 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('releases the old userName when it changes, and guards the new one', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, { userName: 'old@example.com' });
    const other = aUser(tenantId, { userName: 'taken@example.com' });
    await store.users.create(user);
    await store.users.create(other);

    await store.users.replace(next(user, { userName: 'New@example.com' }), 1);

    expect(await store.users.findByUserName(tenantId, 'old@example.com')).toBeUndefined();
    expect((await store.users.findByUserName(tenantId, 'new@example.com'))?.id).toBe(user.id);
    await expect(store.users.create(aUser(tenantId, { userName: 'OLD@example.com' }))).resolves.toBeUndefined();
    await expect(store.users.create(aUser(tenantId, { userName: 'new@EXAMPLE.com' }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses to rename onto a taken userName and leaves the user unchanged', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, { userName: 'gina@example.com' });
    await store.users.create(user);
    await store.users.create(aUser(tenantId, { userName: 'hank@example.com' }));

    await expect(store.users.replace(next(user, { userName: 'HANK@example.com' }), 1)).rejects.toThrow(
      new ConflictError('userName "HANK@example.com" is already taken'),
    );
    expect(await store.users.get(tenantId, user.id)).toEqual(user);
    expect((await store.users.findByUserName(tenantId, 'gina@example.com'))?.id).toBe(user.id);
  });

  it('keeps the guard when only the case of the userName changes', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, { userName: 'ivy@example.com' });
    await store.users.create(user);

    await store.users.replace(next(user, { userName: 'Ivy@Example.com' }), 1);

    expect((await store.users.findByUserName(tenantId, 'IVY@EXAMPLE.COM'))?.userName).toBe('Ivy@Example.com');
    await expect(store.users.create(aUser(tenantId, { userName: 'ivy@example.com' }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('moves the externalId and email lookups with the user', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, { externalId: 'x-old', emails: [{ value: 'one@example.com' }, { value: 'two@example.com' }] });
    await store.users.create(user);

    await store.users.replace(next(user, { externalId: 'x-new', emails: [{ value: 'two@example.com' }, { value: 'three@example.com' }] }), 1);

    expect(await store.users.findByExternalId(tenantId, 'x-old')).toEqual([]);
    expect((await store.users.findByExternalId(tenantId, 'x-new')).map((u) => u.id)).toEqual([user.id]);
    expect(await store.users.findByEmail(tenantId, 'one@example.com')).toEqual([]);
    expect(await store.users.findByEmail(tenantId, 'two@example.com')).toHaveLength(1);
    expect(await store.users.findByEmail(tenantId, 'three@example.com')).toHaveLength(1);
  });
});

describe('delete and counters', () => {
  it('keeps the user count exact across creates and deletes', async () => {
    const tenantId = freshTenantId();
    const users = Array.from({ length: 7 }, () => aUser(tenantId));
    await Promise.all(users.map((user) => store.users.create(user)));
    await Promise.all(users.slice(0, 3).map((user) => store.users.delete(tenantId, user.id)));

    expect(await store.users.count(tenantId)).toBe(4);
    await expect(store.users.delete(tenantId, users[0]!.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.users.count(tenantId)).toBe(4);
  });

  it('frees the userName, externalId and email of a deleted user', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, { userName: 'jack@example.com', externalId: 'j1', emails: [{ value: 'jack@example.com' }] });
    await store.users.create(user);

    await store.users.delete(tenantId, user.id);

    expect(await store.users.get(tenantId, user.id)).toBeUndefined();
    expect(await store.users.findByUserName(tenantId, 'jack@example.com')).toBeUndefined();
    expect(await store.users.findByExternalId(tenantId, 'j1')).toEqual([]);
    expect(await store.users.findByEmail(tenantId, 'jack@example.com')).toEqual([]);
    await expect(store.users.create(aUser(tenantId, { userName: 'jack@example.com' }))).resolves.toBeUndefined();
  });

  it('removes a deleted user from its groups and decrements their member counts', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    const stays = aUser(tenantId);
    const groups = [aGroup(tenantId), aGroup(tenantId)];
    await Promise.all([user, stays].map((u) => store.users.create(u)));
    await Promise.all(groups.map((g) => store.groups.create(g)));
    for (const group of groups) await store.groups.addMembers(tenantId, group.id, [user.id, stays.id]);

    await store.users.delete(tenantId, user.id);

    for (const group of groups) {
      expect((await store.groups.get(tenantId, group.id))?.memberCount).toBe(1);
      expect((await store.groups.listMembers(tenantId, group.id, { limit: 10 })).items).toEqual([stays.id]);
    }
    expect(await store.groups.groupsOfUser(tenantId, user.id)).toEqual([]);
    expect((await store.purgePendingGroupMemberships(100)).morePending).toBe(false);
  });
});

describe('list', () => {
  it('returns every user exactly once across pages, and no cursor on the last page', async () => {
    const tenantId = freshTenantId();
    const users = Array.from({ length: 23 }, () => aUser(tenantId));
    await Promise.all(users.map((user) => store.users.create(user)));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.users.list(tenantId, { limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((user) => user.id));
      cursor = page.cursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(new Set(users.map((user) => user.id)));
  });

  it('gives no cursor when the last page is exactly full', async () => {
    const tenantId = freshTenantId();
    await Promise.all(Array.from({ length: 4 }, () => store.users.create(aUser(tenantId))));

    const page = await store.users.list(tenantId, { limit: 4 });

    expect(page.items).toHaveLength(4);
    expect(page.cursor).toBeUndefined();
  });

  it('rejects a tampered cursor and a cursor from another tenant', async () => {
    const tenantA = freshTenantId();
    const tenantB = freshTenantId();
    await Promise.all(Array.from({ length: 3 }, () => store.users.create(aUser(tenantA))));
    await Promise.all(Array.from({ length: 3 }, () => store.users.create(aUser(tenantB))));
    const { cursor } = await store.users.list(tenantA, { limit: 1 });

    await expect(store.users.list(tenantB, { limit: 5, cursor: cursor! })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.users.list(tenantA, { limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidInputError);
    const forged = Buffer.from(JSON.stringify({ pk: `TENANT#${tenantA}`, sk: 'USERNAME#x' })).toString('base64url');
    await expect(store.users.list(tenantA, { limit: 5, cursor: forged })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('reads one page with one query and no scan', async () => {
    const tenantId = freshTenantId();
    await Promise.all(Array.from({ length: 12 }, () => store.users.create(aUser(tenantId))));

    const { counts } = await counting.measure(() => store.users.list(tenantId, { limit: 5 }));

    expect(counts.calls).toEqual({ QueryCommand: 1 });
    expect(counts.itemsRead).toBe(6);
  });
});
