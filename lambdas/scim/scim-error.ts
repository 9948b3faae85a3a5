import type { HttpResult } from '../http/request';
import { safeJson } from '../http/responses';
import { SCHEMA } from './schema';

/** RFC 7644 §3.12 scimType values. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  /** RFC 9865 */
  | 'invalidCursor';

/** An error whose message is safe to send (it never carries a secret or a stack). */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = 'ScimError';
    this.headers = options?.headers;
  }
  readonly headers?: Record<string, string>;
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const tooMany = (detail: string) => new ScimError(400, 'tooMany', detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);

/** RFC 7644 §3.12: `status` is a string in the body. */
function scimErrorBody(error: ScimError): Record<string, unknown> {
  const body: Record<string, unknown> = { schemas: [SCHEMA.error], status: String(error.status) };
  if (error.scimType) body.scimType = error.scimType;
  body.detail = error.message;
  return body;
}

export function scimErrorResponse(error: ScimError): HttpResult {
  return {
    statusCode: error.status,
    headers: { 'content-type': 'application/scim+json; charset=utf-8', 'cache-control': 'no-store', ...error.headers },
    body: safeJson(scimErrorBody(error)),
  };
}
