import { describe, expect, it } from 'vitest';
import { asTenantId } from '../../lambdas/core/ids';
import type { Page, PageRequest } from '../../lambdas/core/paging';
import type { EphemeralStore } from '../../lambdas/core/sessions/ports';
import { indexPage, MAX_WALK } from '../../lambdas/scim/listing';
import { ScimError } from '../../lambdas/scim/scim-error';

class MapStore implements EphemeralStore {
  readonly values = new Map<string, string>();
  async putIfAbsent(key: string, value: string): Promise<boolean> {
    if (this.values.has(key)) return false;
    this.values.set(key, value);
    return true;
  }
  async put(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async take(key: string): Promise<string | undefined> {
    const v = this.values.get(key);
    this.values.delete(key);
    return v;
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
  async claimQuota(key: string, limit: number): Promise<boolean> {
    const uses = Number(this.values.get(key) ?? 0);
    if (uses >= limit) return false;
    this.values.set(key, String(uses + 1));
    return true;
  }
}

/** A keyset listing of `n` items; counts the items it hands out. */
function listing(n: number) {
  const all = Array.from({ length: n }, (_, i) => `item-${String(i).padStart(6, '0')}`);
  const stats = { itemsRead: 0, calls: 0 };
  const list = async (page: PageRequest): Promise<Page<string>> => {
    stats.calls++;
    const from = page.cursor === undefined ? 0 : all.indexOf(page.cursor) + 1;
    const items = all.slice(from, from + page.limit);
    stats.itemsRead += items.length;
    return from + page.limit < n ? { items, cursor: items.at(-1)! } : { items };
  };
  return { all, list, stats };
}

const tenant = asTenantId('tlistingtest1');
const now = new Date('2025-01-01T00:00:00Z');

describe('index pagination over keyset pages', () => {
  it('serves a sequential walk with one page read per page', async () => {
    const store = new MapStore();
    const { all, list, stats } = listing(1000);
    const seen: string[] = [];
    for (let start = 1; start <= 1000; start += 100) seen.push(...(await indexPage(store, now, tenant, 'User', start, 100, list)));
    expect(seen).toEqual(all);
    expect(stats.itemsRead).toBe(1000);
    expect(stats.calls).toBe(10);
  });

  it('reaches a startIndex nobody stored by walking, and remembers the thousands it passed', async () => {
    const store = new MapStore();
    const { all, list, stats } = listing(5000);
    expect(await indexPage(store, now, tenant, 'User', 3456, 3, list)).toEqual(all.slice(3455, 3458));
    expect(stats.itemsRead).toBe(3455 + 3);
    expect([...store.values.keys()].sort()).toEqual(
      ['scim-cursor:tlistingtest1:User:1001', 'scim-cursor:tlistingtest1:User:2001', 'scim-cursor:tlistingtest1:User:3001', 'scim-cursor:tlistingtest1:User:3456', 'scim-cursor:tlistingtest1:User:3459'].sort(),
    );
    stats.itemsRead = 0;
    expect(await indexPage(store, now, tenant, 'User', 3500, 2, list)).toEqual(all.slice(3499, 3501));
    expect(stats.itemsRead).toBe(499 + 2);
  });

  it('answers an empty page past the end', async () => {
    const { list } = listing(10);
    expect(await indexPage(new MapStore(), now, tenant, 'User', 50, 5, list)).toEqual([]);
  });

  it('refuses a walk longer than MAX_WALK with 400 tooMany', async () => {
    const { list, stats } = listing(MAX_WALK + 2000);
    const error = await indexPage(new MapStore(), now, tenant, 'User', MAX_WALK + 1500, 5, list).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).scimType).toBe('tooMany');
    expect(stats.itemsRead).toBe(0);
  });
});
