import type { SamlProblem } from '../core/tenancy/tenant';

/** How the error page presents a refusal when "Sign-in failed" and a link back to sign-in do not fit. */
export interface SamlErrorPage {
  readonly title?: string;
  readonly back?: { readonly href: string; readonly label: string };
}

/**
 * A SAML response or login we refuse. `code` is stable (for tests, activity events and diagnostics);
 * `message` is plain words safe to show the user; `problems` carries expected-versus-received details
 * for the Test SAML page (never shown on a normal sign-in).
 */
export class SamlLoginError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly problems: SamlProblem[] = [],
    readonly statusCode = 400,
    readonly page: SamlErrorPage = {},
  ) {
    super(message);
    this.name = 'SamlLoginError';
  }
}
