import type { ErrorKind } from '../http/errors';
import type { ErrorAnswer } from '../http/middlewares/error-answers';
import { errorPage, pageAnswer } from './pages';
import { SamlLoginError } from './saml-errors';

/** The ACS form (a SAMLResponse is bounded at 64 KB, response-guard.ts) with room for RelayState and encoding. */
export const SAML_MAX_BODY_BYTES = 96 * 1024;

interface PageEntry {
  readonly status: number;
  readonly title: string;
  /** Plain words of ours: the page never shows the request's own text or the error's cause. */
  readonly text: string;
}

/** Every error kind as the page a person in a browser sees (a `Record`: a new kind is a compile error until mapped). */
export const SAML_ERROR_TABLE: Readonly<Record<ErrorKind, PageEntry>> = {
  'not-found': { status: 404, title: 'Not found', text: 'There is no service provider or page at this address.' },
  conflict: { status: 409, title: 'Request refused', text: 'This request conflicts with a change made meanwhile. Please start again.' },
  'invalid-input': { status: 400, title: 'Request refused', text: 'This request is not valid. Please start again from the sign-in page.' },
  // 409 like the surface's own "draft changed" page: something changed meanwhile, starting again helps.
  'precondition-failed': { status: 409, title: 'Request refused', text: 'Something changed while this request was under way. Please start again.' },
  forbidden: { status: 403, title: 'Not allowed', text: 'You are not allowed to do this. Ask your administrator.' },
  unauthorized: { status: 401, title: 'Sign-in required', text: 'Please sign in first.' },
  // 403 like the ACS refusal for a trial's plan: a page for a person, not the admin API's 402.
  'plan-required': { status: 403, title: 'Upgrade required', text: 'Your organisation’s plan does not allow this. Ask your administrator to upgrade from the free trial.' },
  'too-many-requests': { status: 429, title: 'Too many requests', text: 'Too many requests were made. Please wait a moment and try again.' },
  'route-not-found': { status: 404, title: 'Not found', text: 'There is nothing at this address.' },
  'method-not-allowed': { status: 405, title: 'Method not allowed', text: 'This address does not accept that kind of request.' },
  'payload-too-large': { status: 413, title: 'Request too large', text: 'The request was not read: it is larger than this service accepts (a SAML response may not be larger than 64 KB).' },
  'malformed-request': { status: 400, title: 'Request not understood', text: 'The request could not be read. Please start again from the sign-in page.' },
  'unsupported-media-type': { status: 415, title: 'Request not understood', text: 'The request was sent in a format this address does not accept.' },
  internal: { status: 500, title: 'Something went wrong', text: 'We could not complete this request. Please try again in a moment.' },
};

/**
 * The SAML surface answers every failure with the plain-words error page and the correlation ID. A refused
 * sign-in (SamlLoginError) shows its own plain words, which are ours; anything else shows its kind's text.
 */
export const samlErrorAnswer: ErrorAnswer = (failure, error, scope) => {
  if (error instanceof SamlLoginError) {
    return pageAnswer(error.statusCode, errorPage(error.page.title ?? 'Sign-in failed', error.message, scope.correlationId, error.page.back));
  }
  const entry = SAML_ERROR_TABLE[failure.kind];
  const answer = pageAnswer(entry.status, errorPage(entry.title, entry.text, scope.correlationId));
  const headers: Record<string, string> = { ...answer.headers };
  if (failure.allow) headers.allow = failure.allow.join(', ');
  if (failure.retryAfterSec !== undefined) headers['retry-after'] = String(failure.retryAfterSec);
  return { ...answer, headers };
};
