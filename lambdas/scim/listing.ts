import type { TenantId } from '../core/ids';
import type { Page, PageRequest } from '../core/paging';
import type { EphemeralStore } from '../core/sessions/ports';
import { tooMany } from './scim-error';

/** How long the position of a next page is remembered (an import pauses far less than this). */
const CURSOR_TTL_SEC = 30 * 60;
/** Items a cache-missing deep `startIndex` may walk past before answering 400 (the one exception to the 1,000-item bound). */
export const MAX_WALK = 10_000;
const WALK_STEP = 1000;

type Lister<T> = (page: PageRequest) => Promise<Page<T>>;

const cursorKey = (tenantId: TenantId, resource: string, startIndex: number) => `scim-cursor:${tenantId}:${resource}:${startIndex}`;

/**
 * RFC 7644 index pagination over keyset pages. Each page served stores where the next one starts
 * (`scim-cursor:<tenant>:<resource>:<startIndex>`), so a sequential import reads about one page per
 * page. A startIndex nobody stored is reached by walking from the nearest stored thousand, storing
 * each thousand passed; walks longer than MAX_WALK answer 400 (use sequential pages or cursors).
 */
export async function indexPage<T>(
  store: EphemeralStore,
  now: Date,
  tenantId: TenantId,
  resource: string,
  startIndex: number,
  count: number,
  list: Lister<T>,
): Promise<T[]> {
  const expires = new Date(now.getTime() + CURSOR_TTL_SEC * 1000);
  let cursor: string | undefined;
  if (startIndex > 1) {
    const known = await store.get(cursorKey(tenantId, resource, startIndex));
    if (known !== undefined) {
      cursor = known;
    } else {
      cursor = await walkTo(store, expires, tenantId, resource, startIndex, list);
      if (cursor === undefined) return [];
    }
  }
  const page = await list({ limit: count, cursor });
  if (page.cursor) await store.put(cursorKey(tenantId, resource, startIndex + page.items.length), page.cursor, expires);
  return page.items;
}

/** The cursor before item `startIndex`, or undefined when the listing ends before it. */
async function walkTo<T>(store: EphemeralStore, expires: Date, tenantId: TenantId, resource: string, startIndex: number, list: Lister<T>): Promise<string | undefined> {
  let position = 1;
  let cursor: string | undefined;
  const checkpoint = Math.floor((startIndex - 1) / WALK_STEP) * WALK_STEP + 1;
  if (checkpoint > 1) {
    const known = await store.get(cursorKey(tenantId, resource, checkpoint));
    if (known !== undefined) {
      position = checkpoint;
      cursor = known;
    }
  }
  if (startIndex - position > MAX_WALK) {
    throw tooMany(
      `startIndex ${startIndex} is too far from any position this server remembers: page sequentially (each page remembers where the next starts for ${CURSOR_TTL_SEC / 60} minutes) or use cursor pagination (cursor=)`,
    );
  }
  while (position < startIndex) {
    const step = Math.min(WALK_STEP - ((position - 1) % WALK_STEP), startIndex - position);
    const page = await list({ limit: step, cursor });
    if (!page.cursor || page.items.length < step) return undefined;
    position += page.items.length;
    cursor = page.cursor;
    if ((position - 1) % WALK_STEP === 0 || position === startIndex) await store.put(cursorKey(tenantId, resource, position), cursor, expires);
  }
  return cursor;
}
