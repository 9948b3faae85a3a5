import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { items } from '../../lambdas/adapters/dynamodb/items';
import type { User } from '../../lambdas/core/identity/user';
import { asGroupId, asUserId, newResourceId, type GroupId, type TenantId, type UserId } from '../../lambdas/core/ids';
import { LIMITS } from '../../lambdas/scim/discovery';
import { call, createTenant, createWorld, GROUP_SCHEMA, PATCH_OP, type ScimWorld } from './harness';

/** Members a full push of the declared maximum size carries: `{"value":"<uuid>"},` is 49 bytes. */
const MEMBERS_AT_MAX_PAYLOAD = Math.floor((LIMITS.maxPayloadSize - 200) / 49);
// CI replaces a few thousand members; SCIM_REPLACE_MEMBERS=max measures the declared maximum (minutes of seeding).
const REPLACE_MEMBERS = process.env.SCIM_REPLACE_MEMBERS === 'max' ? MEMBERS_AT_MAX_PAYLOAD : Number(process.env.SCIM_REPLACE_MEMBERS ?? 2000);

describe('groups of every size', () => {
  let world: ScimWorld;
  let tenantId: TenantId;
  let token: string;

  /** Users written straight to the table (the user item is all a membership check reads). */
  async function seedUsers(n: number): Promise<UserId[]> {
    const now = new Date().toISOString();
    const ids = Array.from({ length: n }, () => asUserId(newResourceId()));
    const batches: User[][] = [];
    for (let i = 0; i < n; i += 25) {
      batches.push(ids.slice(i, i + 25).map((id, j) => ({ tenantId, id, userName: `seed${i + j}@example.com`, active: true, emails: [], profile: {}, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 })));
    }
    for (let i = 0; i < batches.length; i += 8) {
      await Promise.all(
        batches.slice(i, i + 8).map((users) =>
          world.table.db.send(new BatchWriteCommand({ RequestItems: { [world.table.tableName]: users.map((u) => ({ PutRequest: { Item: items.user.encode(u) } })) } })),
        ),
      );
    }
    return ids;
  }

  const newGroup = async (displayName: string): Promise<GroupId> => asGroupId((await call(world, 'POST', `/scim/v2/${tenantId}/Groups`, { token, body: { schemas: [GROUP_SCHEMA], displayName } })).body.id);
  const fill = async (group: GroupId, members: UserId[]) => {
    for (let i = 0; i < members.length; i += 990) await world.adapters.groups.addMembers(tenantId, group, members.slice(i, i + 990));
  };

  beforeAll(async () => {
    world = await createWorld();
    ({ tenantId, token } = await createTenant(world));
    await call(world, 'GET', `/scim/v2/${tenantId}/Groups?count=0`, { token });
  });
  afterAll(async () => world.table.drop());

  it('lists full pages with members inline within the page budget, the rest without members', { timeout: 300_000 }, async () => {
    const sizes = [990, 990, 990, 990, 500, 30, 1500, 0];
    const users = await seedUsers(1500);
    const groups = new Map<string, number>();
    for (const [i, size] of sizes.entries()) {
      const id = await newGroup(`Sized ${i}`);
      await fill(id, users.slice(0, size));
      groups.set(id, size);
    }
    const { result: page, counts } = await world.counting.measure(() => call(world, 'GET', `/scim/v2/${tenantId}/Groups?startIndex=1&count=100`, { token }));
    expect(page.status).toBe(200);
    expect(page.body.itemsPerPage).toBe(sizes.length);
    let inlined = 0;
    let budget = LIMITS.listInlineMembers;
    for (const group of page.body.Resources as { id: string; members?: unknown[] }[]) {
      const size = groups.get(group.id)!;
      // The documented rule, in page order: inline while the page budget allows, never past maxInlineMembers.
      const expected = size <= LIMITS.maxInlineMembers && size <= budget;
      if (expected) budget -= size;
      expect(group.members === undefined ? 'omitted' : group.members.length, `group of ${size}`).toBe(expected ? size : 'omitted');
      inlined += group.members?.length ?? 0;
    }
    expect(inlined).toBeLessThanOrEqual(LIMITS.listInlineMembers);
    expect(inlined).toBeGreaterThan(0);
    expect(counts.itemsRead).toBeLessThanOrEqual(LIMITS.listInlineMembers + sizes.length + 2);
    expect(Buffer.byteLength(page.raw.body ?? '')).toBeLessThanOrEqual(1_048_576);
    // A plain GET of the 1,500-member group answers 200 without members; the 990 one with all of them.
    const big = [...groups].find(([, size]) => size === 1500)![0];
    const plain = await call(world, 'GET', `/scim/v2/${tenantId}/Groups/${big}`, { token });
    expect(plain.status).toBe(200);
    expect(plain.body.members).toBeUndefined();
    const inline = [...groups].find(([, size]) => size === 990)![0];
    expect((await call(world, 'GET', `/scim/v2/${tenantId}/Groups/${inline}`, { token })).body.members).toHaveLength(990);
    // /Schemas states the same bounds on Group.members.
    const schema = (await call(world, 'GET', `/scim/v2/${tenantId}/Schemas/${GROUP_SCHEMA}`, { token })).body;
    const described = schema.attributes.find((a: { name: string }) => a.name === 'members').description as string;
    expect(described).toContain(`at most ${LIMITS.maxInlineMembers} members`);
    expect(described).toContain(`at most ${LIMITS.listInlineMembers} members in all`);
    expect(described).toMatch(/returned without members/);
    console.info(`group list page of ${sizes.length} groups: ${inlined} members inline, ${counts.itemsRead} items read`);
  });

  it(`replaces the members of a group as Okta's full push does (${REPLACE_MEMBERS} members)`, { timeout: 3_600_000 }, async () => {
    const users = await seedUsers(REPLACE_MEMBERS + 100);
    const wanted = users.slice(0, REPLACE_MEMBERS);
    const body = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'members', value: wanted.map((value) => ({ value })) }] };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(LIMITS.maxPayloadSize);
    const group = await newGroup('Everyone');
    const push = async (label: string) => {
      const started = Date.now();
      const { result, counts } = await world.counting.measure(() => call(world, 'PATCH', `/scim/v2/${tenantId}/Groups/${group}`, { token, body }));
      const ms = Date.now() - started;
      expect(result.status, label).toBe(204);
      console.info(`replace of ${REPLACE_MEMBERS} members (${label}): ${ms} ms, ${counts.total} calls, ${counts.itemsRead} items read, ${counts.itemsWritten} written`);
      // Removals past the inline budget (the maximum size's turnover) finish in the background, as the maintenance run does it.
      while ((await world.adapters.purgePendingGroupMemberships(5000)).morePending);
      return { ms, counts };
    };
    // First push into an empty group (every member written), then a re-push that changes 100 members.
    const first = await push('empty group');
    expect((await world.adapters.groups.get(tenantId, group))!.memberCount).toBe(REPLACE_MEMBERS);
    body.Operations[0]!.value = [...users.slice(100, REPLACE_MEMBERS), ...users.slice(REPLACE_MEMBERS)].map((value) => ({ value }));
    const again = await push('100 changed');
    expect((await world.adapters.groups.get(tenantId, group))!.memberCount).toBe(REPLACE_MEMBERS);
    // A re-push reads the group once (members are keys, 1,000 a page) and checks only the new ids.
    expect(again.counts.itemsRead).toBeLessThanOrEqual(REPLACE_MEMBERS + 1000);
    expect(first.counts.itemsRead).toBeLessThanOrEqual(3 * REPLACE_MEMBERS + 100);
    const members = await world.adapters.groups.membersAmong(tenantId, group, [users[0]!, users[REPLACE_MEMBERS]!]);
    expect(members).toEqual([users[REPLACE_MEMBERS]]);
    // The worst case: every member replaced by another user (the whole group walked, removed and added).
    const others = await seedUsers(REPLACE_MEMBERS);
    body.Operations[0]!.value = others.map((value) => ({ value }));
    const turnover = await push('every member replaced');
    expect((await world.adapters.groups.get(tenantId, group))!.memberCount).toBe(REPLACE_MEMBERS);
    expect(await world.adapters.groups.membersAmong(tenantId, group, [users[150]!, others[0]!])).toEqual([others[0]]);
    if (process.env.SCIM_REPLACE_MEMBERS === 'max') for (const run of [first, again, turnover]) expect(run.ms).toBeLessThan(29_000);
  });
});
