import { z } from 'zod/v3';
import type { HttpEvent } from '../http/request';
import { bodyText, header } from '../http/request';
import { AdminHttpError } from './errors';

/** API Gateway's payload limit is 10 MB; the operator API never needs more than metadata XML. */
export const MAX_OPERATOR_BODY_BYTES = 1024 * 1024;

export const createTenantBody = z.object({
  name: z.string(),
  domains: z.array(z.string()).min(1, 'at least one email domain is needed'),
  plan: z.enum(['trial', 'paid']).optional(),
});

/** PUT …/sso/metadata: exactly one of a metadata URL to fetch or the XML itself. */
export const ssoMetadataBody = z
  .object({ url: z.string().min(1).optional(), xml: z.string().min(1).optional() })
  .strict()
  .refine((body) => (body.url === undefined) !== (body.xml === undefined), { message: 'give exactly one of url (the IdP metadata URL) or xml (the metadata itself)' });

export const ssoSettingsBody = z
  .object({
    allowIdpInitiated: z.boolean().optional(),
    jitProvisioning: z.boolean().optional(),
    clockSkewSec: z.number().int().min(0).max(600).optional(),
  })
  .strict();

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().min(1).max(2048).optional(),
});

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`).join('; ');
}

/** Parses and validates a JSON body; 415 for another media type, 400 naming each bad field. */
export function parseJsonBody<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  const text = bodyText(event);
  if (text === undefined || text.trim() === '') throw new AdminHttpError(400, 'invalid_body', 'a JSON body is required');
  if (Buffer.byteLength(text) > MAX_OPERATOR_BODY_BYTES) throw new AdminHttpError(413, 'body_too_large', `the body exceeds ${MAX_OPERATOR_BODY_BYTES} bytes`);
  const type = header(event, 'content-type');
  if (type && !JSON_TYPE.test(type)) throw new AdminHttpError(415, 'unsupported_media_type', `expected application/json, got ${type}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AdminHttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new AdminHttpError(400, 'invalid_input', describeIssues(result.error));
  return result.data;
}

export function parseQuery<T extends z.ZodType>(query: Record<string, string | undefined>, schema: T): z.infer<T> {
  const result = schema.safeParse(query);
  if (!result.success) throw new AdminHttpError(400, 'invalid_input', describeIssues(result.error));
  return result.data;
}
