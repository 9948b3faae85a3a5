import type { SamlProblem } from '../core/tenancy/tenant';

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
  ) {
    super(message);
    this.name = 'SamlLoginError';
  }
}
