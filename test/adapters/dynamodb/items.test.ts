import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import { CorruptItemError } from '../../../lambdas/adapters/dynamodb/items';
import { keys } from '../../../lambdas/adapters/dynamodb/keys';
import { asTenantId, asUserId } from '../../../lambdas/core/ids';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { aUser, freshTenantId } from './fixtures';

let table: TestTable;
let store: DynamoAdapters;

beforeAll(async () => {
  table = await createTestTable();
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

describe('items are validated on read', () => {
  it('refuses a malformed user item, naming the attribute but not its value', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    const { userName: _dropped, ...withoutUserName } = user;
    await table.db.send(
      new PutCommand({ TableName: table.tableName, Item: { ...keys.user(tenantId, user.id), entity: 'User', ...withoutUserName, emails: 'secret@example.com' } }),
    );

    const read = store.users.get(tenantId, user.id);

    await expect(read).rejects.toBeInstanceOf(CorruptItemError);
    await expect(read).rejects.toThrow(/malformed at: userName, emails/);
    await expect(read).rejects.not.toThrow(/secret@example\.com/);
  });

  it('refuses an item of another entity found under a user key', async () => {
    const tenantId = freshTenantId();
    await table.db.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.user(tenantId, asUserId('x')), entity: 'Group' } }));

    await expect(store.users.get(tenantId, asUserId('x'))).rejects.toThrow(/should be a User but is a Group/);
  });
});

describe('key grammar', () => {
  it('encodes separators inside values and lowercases case-insensitive ones', () => {
    const tenantId = asTenantId('tabc');
    expect(keys.userNameGuard(tenantId, 'Ann#Lee@X.com')).toEqual({ pk: 'TENANT#tabc', sk: 'USERNAME#ann%23lee%40x.com' });
    expect(keys.userExternalIdIndex(tenantId, 'AbC#1', asUserId('u1')).sk).toBe('IDX#EXT#AbC%231#u1');
    expect(keys.domainGuard('Example.COM.')).toEqual({ pk: 'DOMAIN#example.com', sk: 'DOMAIN' });
    expect(keys.ephemeral('saml-request:#1').pk).toBe('EPH#saml-request%3A%231');
  });
});
