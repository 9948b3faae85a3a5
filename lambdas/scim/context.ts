import type { TenantId } from '../core/ids';
import type { Json } from './filter-eval';
import { etagOf, type Links } from './resources';
import { notFound } from './scim-error';

/** Who is asking, where, and how to name things in responses (also the `ChangedBy` of activity events). */
export interface ScimContext {
  readonly tenantId: TenantId;
  readonly actor: string;
  readonly links: Links;
  readonly correlationId?: string;
}

/** A SCIM answer before it becomes HTTP (status, resource JSON, ETag/Location headers). */
export interface ScimResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** The list/read parameters of RFC 7644 §3.4.2 (names already matched case-insensitively). */
export interface ListQuery {
  readonly filter?: string;
  readonly startIndex?: string;
  readonly count?: string;
  readonly cursor?: string;
  readonly attributes?: string;
  readonly excludedAttributes?: string;
}

/** One resource with its ETag; a 201 also carries `Location` (= meta.location). */
export function resourceResponse(status: number, resource: Json, version: number): ScimResponse {
  const headers: Record<string, string> = { etag: etagOf(version) };
  if (status === 201) headers.location = `${(resource.meta as Json | undefined)?.location ?? ''}`;
  return { status, body: resource, headers };
}

export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The resource read by id, or the SCIM 404 naming it. */
export function found<T>(kind: 'User' | 'Group', id: string, resource: T | undefined): T {
  if (!resource) throw notFound(`${kind} ${id} not found`);
  return resource;
}
