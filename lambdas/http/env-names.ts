/** Environment variable names shared by the CDK constructs (which set them) and the Lambdas (which read them). */
export const EnvName = {
  tableName: 'TABLE_NAME',
  /** Secrets Manager name of the SP signing/encryption key pair and certificate(s). */
  spKeySecretName: 'SP_KEY_SECRET_NAME',
  /** Per-tenant SCIM token hash secrets are named `${prefix}${tenantId}`. */
  scimTokenSecretPrefix: 'SCIM_TOKEN_SECRET_PREFIX',
  /** Public base URL of the API (custom domain); when absent it is derived from the request's domain. */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** Public base URL of the tenant-admin console (its Function URL or custom domain). */
  adminPublicUrl: 'ADMIN_PUBLIC_URL',
  /**
   * SSM parameter holding the console URL, for the admin Lambda, which cannot be given its own
   * Function URL in its environment (a CloudFormation cycle).
   */
  adminPublicUrlParameter: 'ADMIN_PUBLIC_URL_PARAMETER',
  /** `deployed` or `local`: the twin relaxes https-only rules (cookies' Secure flag, metadata fetch). */
  runtimeMode: 'RUNTIME_MODE',
  logLevel: 'LOG_LEVEL',
  /** Secrets Manager name of the OIDC signing key ring `{ current, next?, previous?, lastStep?, cookieKeys }`. */
  oidcSigningKeySecret: 'OIDC_SIGNING_KEY_SECRET',
  /** Client ID of the stage's default app: a sign-in no app started lands at its initiate_login_uri. */
  oidcDefaultClientId: 'OIDC_DEFAULT_CLIENT_ID',
  /** The stage's EventBridge bus the event forwarder puts directory events on. */
  eventBusName: 'EVENT_BUS_NAME',
  /** Twin only: where each directory event is POSTed (as an EventBridge API destination would), and its x-api-key. */
  eventsWebhookUrl: 'EVENTS_WEBHOOK_URL',
  eventsWebhookKey: 'EVENTS_WEBHOOK_KEY',
} as const;
