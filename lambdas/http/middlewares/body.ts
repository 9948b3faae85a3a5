import type { MiddlewareObj } from '@middy/core';
import { RequestError } from '../errors';
import { bodyBytes, bodyText, header, type HttpEvent, type HttpResult } from '../request';
import type { ParsedBody } from '../routes';
import { scopeOf } from './request-scope';

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Body limit and parsing, before any route runs: a body over `maxBytes` is refused unread (413); JSON
 * (`application/json`, `application/scim+json`, …) and forms are parsed once; JSON that does not parse
 * is a 400 that names no byte of it.
 */
export function bodyParser(options: { readonly maxBytes: number }): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    name: 'bodyParser',
    before: (request) => {
      const scope = scopeOf(request.context);
      if (bodyBytes(request.event) > options.maxBytes) {
        throw new RequestError('payload-too-large', `the request body is larger than ${Math.floor(options.maxBytes / 1024)} KB`);
      }
      scope.body = parseBody(request.event);
    },
  };
}

export function parseBody(event: HttpEvent): ParsedBody {
  const text = bodyText(event);
  if (text === undefined || text === '') return { kind: 'none' };
  const contentType = (header(event, 'content-type') ?? '').trim();
  if (FORM_TYPE.test(contentType)) return { kind: 'form', value: new URLSearchParams(text) };
  if (JSON_TYPE.test(contentType)) {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown };
    } catch {
      throw new RequestError('malformed-request', 'the request body is not valid JSON');
    }
  }
  return { kind: 'text', value: text, contentType };
}
