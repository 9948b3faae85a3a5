import { z } from 'zod/v3';
import { InvalidInputError } from '../core/errors';
import { RequestError } from '../http/errors';
import type { ParsedBody } from '../http/routes';
import { FieldError } from './error-table';

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

export const consoleLinkBody = z.object({ email: z.string().trim().min(3).max(320) }).strict();

/** How the operator API words a validation failure: every bad field, by path. */
const describeIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`).join('; ');

export interface BodyOptions {
  /** Said when the body is empty; without it an empty body is validated as `{}`. */
  readonly whenEmpty?: string;
  /** Word the failure as the first issue's message with its field (the console), not every issue by path (the operator API). */
  readonly firstIssueOnly?: boolean;
}

/** Validates a JSON body the pipeline parsed; 415 for another media type, 400 naming what is wrong. */
export function jsonBody<T extends z.ZodTypeAny>(body: ParsedBody, schema: T, options: BodyOptions = {}): z.infer<T> {
  if (body.kind === 'none' && options.whenEmpty) throw new InvalidInputError(options.whenEmpty);
  return validate(body.kind === 'none' ? {} : jsonOf(body), schema, options);
}

/** A body sent without a content type is read as JSON, as the operator API always has; another media type is a 415. */
function jsonOf(body: Exclude<ParsedBody, { kind: 'none' }>): unknown {
  if (body.kind === 'json') return body.value;
  if (body.kind === 'form' || body.contentType !== '') throw new RequestError('unsupported-media-type', 'expected a JSON body (content-type application/json)');
  try {
    return JSON.parse(body.value) as unknown;
  } catch {
    throw new RequestError('malformed-request', 'the request body is not valid JSON');
  }
}

export const loginQuery = z.object({
  token: z.string().max(400).optional(),
  code: z.string().max(400).optional(),
  expired: z.string().max(10).optional(),
  signedOut: z.string().max(10).optional(),
});

/** The Continue button's form on the sign-in interstitial (and the logout form's CSRF token). */
export const loginForm = z.object({ token: z.string().max(400).default('') });

export const ssoLoginQuery = z.object({ who: z.string().max(320).default('') });

export function queryOf<T extends z.ZodTypeAny>(query: Readonly<Record<string, string | undefined>>, schema: T): z.infer<T> {
  return validate(query, schema, {});
}

/** The fields of a form POST, validated (a repeated field counts once); another body is read as no fields. */
export function formBody<T extends z.ZodTypeAny>(body: ParsedBody, schema: T): z.infer<T> {
  const fields = body.kind === 'form' ? Object.fromEntries(body.value) : {};
  return validate(fields, schema, {});
}

function validate<T extends z.ZodTypeAny>(value: unknown, schema: T, options: BodyOptions): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (!options.firstIssueOnly) throw new InvalidInputError(describeIssues(result.error));
  const issue = result.error.issues[0];
  throw new FieldError(issue?.message ?? 'The request is not valid.', issue?.path.join('.') || undefined);
}
